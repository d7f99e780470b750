import type { ParameterizedContext } from 'koa';
import type { InteractionResults } from 'oidc-provider';
import type { CurrentInteraction } from './current_interaction.ts';
import type { InteractionDeps } from './deps.ts';

/** 303 so the browser follows a form POST with a GET. */
export function seeOther(ctx: ParameterizedContext, url: string) {
  ctx.status = 303;
  ctx.redirect(url);
}

export const stepUrl = (it: CurrentInteraction, step = '') => `${it.base}${step}`;

/** Hands the result to oidc-provider and sends the browser back to the authorization endpoint. */
export async function finishInteraction(ctx: ParameterizedContext, deps: InteractionDeps, result: InteractionResults, merge = false) {
  const returnTo = await deps.provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: merge });
  seeOther(ctx, returnTo);
  return returnTo;
}
