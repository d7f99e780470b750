import type { Middleware } from 'koa';

/** How long a cache may keep discovery and the JWKS. */
export const publicDocumentSeconds = 300;

/**
 * Discovery and the JWKS are the same for everyone (issuerHostOnly sees to that) and
 * relying parties fetch them often, so caches may keep them a while. Five minutes is far
 * below keys.publishAheadSeconds (1 h by default): a cached JWKS always knows a new key
 * before it signs. Set before oidc-provider answers, which writes straight to the socket.
 */
export function cachePublicDocuments(jwksPath: string): Middleware {
  const paths = new Set(['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server', jwksPath]);
  return async (ctx, next) => {
    if ((ctx.method === 'GET' || ctx.method === 'HEAD') && paths.has(ctx.path)) {
      ctx.set('Cache-Control', `public, max-age=${publicDocumentSeconds}`);
    }
    await next();
  };
}
