import type { Middleware } from 'koa';

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
