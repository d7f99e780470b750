import { type Configuration, errors, type FapiConfiguration, type FapiProfile } from 'oidc-provider';

/**
 * The FAPI 2.0 Security Profile, per client: a client whose metadata says `fapi_profile: "2.0"`
 * is held to it, every other client is untouched. oidc-provider's own `fapi` feature, asked
 * per client, brings PKCE (S256) on every request, `redirect_uri` always present and the
 * issuer as the client assertion's only audience; the metadata below brings the rest.
 */
export const FAPI_2: FapiProfile = '2.0';

/** FAPI 2.0 §5.4: PS256, ES256 or EdDSA (JOSE's newer name for Ed25519 included); never RS256. */
export const fapi2SigningAlgs: readonly string[] = ['PS256', 'ES256', 'EdDSA', 'Ed25519'];

/** FAPI 2.0 §5.3.2.1: authorization codes live at most 60 seconds. */
export const FAPI_2_CODE_SECONDS = 60;

type Metadata = Record<string, unknown>;

export const isFapi2Client = (client: object | undefined): boolean => (client as Metadata | undefined)?.fapi_profile === FAPI_2;

/**
 * Validates `fapi_profile` and writes the profile into the client's metadata as oidc-provider
 * reads it: pushed authorization requests only, DPoP-bound access tokens, ID tokens signed
 * with an algorithm the profile allows (ES256 unless the client chose PS256 or EdDSA).
 * Authentication is the client's to register (its keys), so anything but private_key_jwt is refused.
 */
export function applyFapiProfile(value: unknown, metadata: Metadata): void {
  if (value === undefined) return;
  if (value !== FAPI_2) throw new TypeError(`fapi_profile must be "${FAPI_2}"`);
  if (metadata.token_endpoint_auth_method !== 'private_key_jwt') {
    throw new TypeError(`fapi_profile "${FAPI_2}" needs token_endpoint_auth_method private_key_jwt`);
  }
  metadata.require_pushed_authorization_requests = true;
  metadata.dpop_bound_access_tokens = true;
  if (!fapi2SigningAlgs.includes(metadata.id_token_signed_response_alg as string)) metadata.id_token_signed_response_alg = 'ES256';
}

/** oidc-provider's `fapi` feature asked per client: the host's own answer first, else `fapi_profile`. */
export function fapiFeature(host: FapiConfiguration | undefined): FapiConfiguration {
  const hostProfile = host?.enabled ? host.profile : undefined;
  return {
    enabled: true,
    // oidc-provider may ask before it knows the client: then no profile
    profile: (ctx, client) => (typeof hostProfile === 'function' ? hostProfile(ctx, client) : hostProfile) ?? (isFapi2Client(client) ? FAPI_2 : undefined),
  };
}

type CodeTtl = NonNullable<NonNullable<Configuration['ttl']>['AuthorizationCode']>;

/** The host's authorization code lifetime (oidc-provider's 60 s if it set none), capped at 60 s for FAPI 2.0 clients. */
export function authorizationCodeTtl(host: CodeTtl | undefined): CodeTtl {
  return (ctx, code, client) => {
    const seconds = typeof host === 'function' ? host(ctx, code, client) : (host ?? FAPI_2_CODE_SECONDS);
    return isFapi2Client(client) ? Math.min(seconds, FAPI_2_CODE_SECONDS) : seconds;
  };
}

type AssertClientAuth = NonNullable<Configuration['assertJwtClientAuthClaimsAndHeader']>;

/**
 * The host's check of a client assertion, after the profile's own: for a FAPI 2.0 client the
 * assertion is signed with an algorithm the profile allows and names only the issuer as audience.
 */
export function withFapiClientAssertion(host: AssertClientAuth | undefined): AssertClientAuth {
  return async (ctx, claims, header, client) => {
    if (ctx.oidc.isFapi(FAPI_2)) {
      if (!fapi2SigningAlgs.includes(header.alg as string)) {
        throw new errors.InvalidClientAuth(`a FAPI 2.0 client signs its client_assertion with ${fapi2SigningAlgs.slice(0, 3).join(', ')}`);
      }
      if (claims.aud !== ctx.oidc.issuer) throw new errors.InvalidClientAuth('audience (aud) must equal the issuer identifier url');
    }
    await host?.(ctx, claims, header, client);
  };
}
