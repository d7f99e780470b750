import type { ParameterizedContext } from 'koa';

/**
 * The console's cookie is SameSite=Strict, so a navigation another site started (a link in
 * mail, chat or a ticket) arrives without it. Starting a sign-in then would loop: each round
 * trip through /auth is again a cross-site chain and the cookie never comes. Instead such a
 * GET gets a page that sends the browser on to the same console page from this site, where
 * the cookie is sent. The page sets no cookie, runs no script and is not stored.
 */
export function isCrossSiteNavigation(ctx: ParameterizedContext): boolean {
  return ctx.method === 'GET' && ctx.get('sec-fetch-site') === 'cross-site' && ctx.get('sec-fetch-mode') === 'navigate';
}

/** Where the hop leads: the console page asked for, on this site, its query re-encoded. */
export function consoleTarget(ctx: ParameterizedContext): string {
  const path = new URL(ctx.path, 'http://stepup.invalid').pathname;
  const onConsole = path === '/admin' || path.startsWith('/admin/');
  const query = new URLSearchParams(ctx.querystring).toString();
  return onConsole ? `${path}${query ? `?${query}` : ''}` : '/admin';
}

export async function renderSameSiteHop(ctx: ParameterizedContext) {
  const target = consoleTarget(ctx);
  ctx.set('Cache-Control', 'no-store');
  ctx.set('Refresh', `0;url=${target}`);
  await ctx.render('console_hop', { target });
}
