import type { Middleware, ParameterizedContext } from 'koa';

// No script of ours anywhere; script-src is named so that oidc-provider can add the hash of
// its form_post auto-submit script. No form-action: a sign-in ends in a redirect (or a
// form post) to the client, which form-action would block.
const contentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Headers for every response, set before the response is produced: oidc-provider writes
 * its own responses straight to the socket, after which nothing can be added.
 */
export function securityHeaders(hsts: boolean): Middleware {
  return async (ctx, next) => {
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('X-Frame-Options', 'DENY');
    ctx.set('Referrer-Policy', 'no-referrer');
    ctx.set('Content-Security-Policy', contentSecurityPolicy);
    if (hsts) ctx.set('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
    await next();
  };
}

/**
 * Lets one more origin's images into this response's CSP (an application's logo at its own
 * https URL), when the response has a CSP with an img-src (Stepup's, or a host's own).
 */
export function allowImagesFrom(ctx: ParameterizedContext, origin: string): void {
  const policy = ctx.response.get('Content-Security-Policy');
  if (!policy || !/^https:\/\/[\w.-]+(:\d+)?$/.test(origin)) return;
  ctx.set('Content-Security-Policy', policy.replace(/(^|;\s*)img-src([^;]*)/, `$1img-src$2 ${origin}`));
}
