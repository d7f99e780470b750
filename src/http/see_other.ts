import type { ParameterizedContext } from 'koa';

/** 303 so the browser follows a form POST with a GET. */
export function seeOther(ctx: ParameterizedContext, url: string) {
  ctx.status = 303;
  ctx.redirect(url);
}
