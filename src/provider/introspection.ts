import type { KoaContextWithOIDC } from 'oidc-provider';

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

/** Introspection for resource servers, which register as confidential clients to call it. */
export const introspection = { enabled: true };
