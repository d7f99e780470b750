import type { ParameterizedContext } from 'koa';
import type { InteractionResults } from 'oidc-provider';
import { seeOther } from '../http/see_other.ts';
import type { CurrentInteraction } from './current_interaction.ts';

export const stepUrl = (it: CurrentInteraction, step = '') => `${it.base}${step}`;

/**
 * Hands the result to oidc-provider; answers where the browser goes next (the authorization
 * endpoint). What oidc-provider's interactionResult does, on the interaction this request
 * already loaded, rather than reading it from the store again.
 */
export async function saveResult(it: CurrentInteraction, result: InteractionResults, merge = false): Promise<string> {
  const interaction = it.details;
  interaction.result = merge && !('error' in result) ? { ...interaction.lastSubmission, ...result } : result;
  // exp is in oidc-provider's time, which is the system clock's
  await interaction.save(interaction.exp - Math.floor(Date.now() / 1000));
  return interaction.returnTo;
}

/** Saves the result and sends the browser back to the authorization endpoint. */
export async function finishInteraction(ctx: ParameterizedContext, it: CurrentInteraction, result: InteractionResults, merge = false) {
  const returnTo = await saveResult(it, result, merge);
  seeOther(ctx, returnTo);
  return returnTo;
}
