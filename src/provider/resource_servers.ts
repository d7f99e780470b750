import { type Configuration, errors, type KoaContextWithOIDC } from 'oidc-provider';
import type { Config } from '../config/schema.ts';
import { allowedScopesAt } from '../oidc/allowed_resources.ts';

/**
 * A JWT access token stays good at its API until it expires, whatever happens meanwhile (sign
 * out everywhere, disable, password reset): five minutes unless the operator says otherwise.
 */
export const jwtAccessTokenDefaultSeconds = 300;

/**
 * Resource indicators (RFC 8707) for the APIs the operator registers in `resourceServers`:
 * an application that asks for `resource=<the API's URL>` gets an access token for that API
 * alone, a JWT (RFC 9068, typ at+jwt) signed with Stepup's keys, which the API checks offline
 * against /jwks: audience, expiry, scopes, and how the person signed in (acr, amr, auth_time);
 * or, with `accessTokenFormat: opaque`, a token the API introspects with its own client.
 * An application may ask only for the APIs its admins allowed it (client metadata
 * `allowed_resources`), and there only for the scopes allowed it: any other resource is refused
 * with invalid_target, and other scopes are left out of consent, grant and token alike.
 */
export function resourceIndicators(config: Config): NonNullable<Configuration['features']>['resourceIndicators'] {
  const servers = config.resourceServers;
  return {
    enabled: true,
    async getResourceServerInfo(ctx, resource, client) {
      const server = Object.hasOwn(servers, resource) ? servers[resource] : undefined;
      const allowed = allowedScopesAt(client, resource);
      // one answer for unregistered and not allowed: a client learns nothing of the other APIs
      if (!server || !allowed) throw new errors.InvalidTarget(`${resource} is not a resource server this application may use`);
      const scopes = server.scopes.filter((scope) => allowed.includes(scope));
      // the consent page names an API by the scopes asked of it: a request for an API with
      // scopes but none of them would put it in a token the person was never shown
      if (startsASignIn(ctx) && scopes.length > 0 && !requestedScopes(ctx).some((scope) => scopes.includes(scope))) {
        throw new errors.InvalidTarget(`ask for at least one of the scopes of ${resource}: ${scopes.join(' ')}`);
      }
      return {
        scope: scopes.join(' '),
        audience: resource,
        accessTokenTTL: server.accessTokenSeconds ?? (server.accessTokenFormat === 'opaque' ? undefined : jwtAccessTokenDefaultSeconds),
        // opaque for an API that introspects each token, so a revoked one stops at once
        ...(server.accessTokenFormat === 'opaque'
          ? { accessTokenFormat: 'opaque' as const }
          : { accessTokenFormat: 'jwt' as const, jwt: { sign: { alg: 'RS256' as const } } }),
      };
    },
  };
}

const startsASignIn = (ctx: KoaContextWithOIDC) => ctx.oidc.route === 'authorization' || ctx.oidc.route === 'pushed_authorization_request';
const requestedScopes = (ctx: KoaContextWithOIDC) => String(ctx.oidc.params?.scope ?? '').split(' ');
