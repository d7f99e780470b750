import { errors, type Configuration } from 'oidc-provider';
import type { Config } from '../config/schema.ts';

/**
 * Resource indicators (RFC 8707) for the APIs the operator registers in `resourceServers`:
 * an application that asks for `resource=<the API's URL>` gets an access token for that API
 * alone, a JWT (RFC 9068, typ at+jwt) signed with Stepup's keys, which the API checks offline
 * against /jwks: audience, expiry, scopes, and how the person signed in (acr, amr, auth_time).
 * Any other resource is refused with invalid_target, as oidc-provider does by default.
 */
export function resourceIndicators(config: Config): NonNullable<Configuration['features']>['resourceIndicators'] {
  const servers = config.resourceServers;
  return {
    enabled: true,
    async getResourceServerInfo(_ctx, resource) {
      const server = servers[resource];
      if (!server) throw new errors.InvalidTarget(`${resource} is not a registered resource server`);
      return {
        scope: server.scopes.join(' '),
        audience: resource,
        accessTokenFormat: 'jwt',
        accessTokenTTL: server.accessTokenSeconds,
        jwt: { sign: { alg: 'RS256' } },
      };
    },
  };
}
