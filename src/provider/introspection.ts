import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { Config } from '../config/schema.ts';

interface SignInFacts {
  acr?: string;
  amr?: string[];
  authTime?: number;
}

/**
 * How the person signed in, carried by every access token: token introspection (RFC 7662)
 * answers with it, so an API can demand a second factor (acr, amr) or a recent sign-in
 * (auth_time) as a relying party does with the ID token. The code or refresh token the access
 * token is issued from holds the facts.
 */
export async function signInClaims(ctx: KoaContextWithOIDC | undefined): Promise<Record<string, unknown> | undefined> {
  const entities = ctx?.oidc?.entities as { AuthorizationCode?: SignInFacts; RefreshToken?: SignInFacts } | undefined;
  const source = entities?.RefreshToken ?? entities?.AuthorizationCode;
  if (!source) return undefined;
  return { acr: source.acr, amr: source.amr, auth_time: source.authTime };
}

interface IntrospectedToken {
  kind: string;
  clientId?: string;
  aud?: string | string[];
}

/**
 * Who may introspect a token: the client it was issued to, and for an access token also the
 * clients a registered API authenticates with (`resourceServers[url].introspectionClients`),
 * when the token's audience is that API. Anyone else is answered `active: false`, as for an
 * unknown token, so an unrelated client learns nothing of another's tokens.
 */
export function mayIntrospect(servers: Config['resourceServers'], callerId: string, token: IntrospectedToken): boolean {
  if (token.clientId === callerId) return true;
  if (token.kind === 'RefreshToken') return false;
  const audiences = typeof token.aud === 'string' ? [token.aud] : (token.aud ?? []);
  return audiences.some((audience) => Object.hasOwn(servers, audience) && (servers[audience]?.introspectionClients.includes(callerId) ?? false));
}

/** Introspection, open to a token's own client and its API's registered clients. */
export function introspection(config: Config) {
  return {
    enabled: true as const,
    allowedPolicy: async (_ctx: KoaContextWithOIDC, client: { clientId: string }, token: object) =>
      mayIntrospect(config.resourceServers, client.clientId, token as IntrospectedToken),
  };
}

/**
 * oidc-provider leaves token_type out for a refresh token; say `refresh_token`, so the client
 * that introspects one cannot take it for an access token.
 */
export function refreshTokensSayTheirType(provider: Provider): void {
  provider.use(async (ctx, next) => {
    await next();
    const body = ctx.body as Record<string, unknown> | undefined;
    if (ctx.oidc?.route !== 'introspection' || body?.active !== true) return;
    if (ctx.oidc.entities.RefreshToken) body.token_type = 'refresh_token';
  });
}
