import type { Middleware } from 'koa';
import { methodNotAllowed } from '../errors.ts';

/**
 * OIDC Core 3.1.2.1 wants POST on the authorization endpoint. A relying party's auto-posting
 * form is a cross-site POST, which carries the session cookie only when it is SameSite=None;
 * browsers take SameSite=None only with Secure, and Secure cookies only over https. So POST
 * is served on https issuers, and an http (development) issuer keeps SameSite=Lax and GET.
 */
export const acceptsPost = (issuer: string) => issuer.startsWith('https:');

/** SameSite of oidc-provider's session cookie (its "long" cookies); oidc-provider checks the pairing. */
export const sessionCookieSameSite = (issuer: string) => (acceptsPost(issuer) ? ('none' as const) : ('lax' as const));

/** The methods oidc-provider serves on each endpoint path, as configured by createProvider. */
export function providerMethods(routes: Record<string, string>, issuer: string): Map<string, string[]> {
  const post = acceptsPost(issuer) ? ['POST'] : [];
  const table: [string | undefined, string[]][] = [
    [routes.authorization, ['GET', 'HEAD', ...post]],
    [routes.end_session, ['GET', 'HEAD', ...post]],
    [routes.jwks, ['GET', 'HEAD', 'OPTIONS']],
    [routes.token, ['POST', 'OPTIONS']],
    [routes.userinfo, ['GET', 'HEAD', 'POST', 'OPTIONS']],
    [routes.revocation, ['POST', 'OPTIONS']],
    [routes.introspection, ['POST', 'OPTIONS']],
    [routes.pushed_authorization_request, ['POST', 'OPTIONS']],
    ['/.well-known/openid-configuration', ['GET', 'HEAD', 'OPTIONS']],
    ['/.well-known/oauth-authorization-server', ['GET', 'HEAD', 'OPTIONS']],
  ];
  return new Map(table.filter((row): row is [string, string[]] => row[0] !== undefined).map(([path, methods]) => [path.toLowerCase(), methods]));
}

/**
 * 405 with Allow for a wrong method on one of oidc-provider's endpoints, which would answer
 * 404; rendered by our error handler like the 405s of our own routes.
 */
export function refuseOtherProviderMethods(routes: Record<string, string>, issuer: string): Middleware {
  const methods = providerMethods(routes, issuer);
  return async (ctx, next) => {
    const allowed = methods.get(ctx.path.toLowerCase().replace(/(.)\/$/, '$1'));
    if (allowed && !allowed.includes(ctx.method)) {
      ctx.set('Allow', allowed.join(', '));
      throw methodNotAllowed();
    }
    await next();
  };
}
