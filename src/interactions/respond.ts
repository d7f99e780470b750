import type { ParameterizedContext } from 'koa';
import type { InteractionResults } from 'oidc-provider';
import type { CurrentInteraction } from './current_interaction.ts';

/** 303 so the browser follows a form POST with a GET. */
export function seeOther(ctx: ParameterizedContext, url: string) {
  ctx.status = 303;
  ctx.redirect(url);
}

export const stepUrl = (it: CurrentInteraction, step = '') => `${it.base}${step}`;

/**
 * Hands the result to oidc-provider and sends the browser back to the authorization endpoint.
 * What oidc-provider's interactionResult does, on the interaction this request already loaded,
 * rather than reading it from the store again.
 */
export async function finishInteraction(ctx: ParameterizedContext, it: CurrentInteraction, result: InteractionResults, merge = false) {
  const interaction = it.details;
  interaction.result = merge && !('error' in result) ? { ...interaction.lastSubmission, ...result } : result;
  // exp is in oidc-provider's time, which is the system clock's
  await interaction.save(interaction.exp - Math.floor(Date.now() / 1000));
  seeOther(ctx, interaction.returnTo);
  return interaction.returnTo;
}
