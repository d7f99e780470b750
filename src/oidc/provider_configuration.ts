import { isDeepStrictEqual } from 'node:util';
import { type Configuration, errors, type KoaContextWithOIDC } from 'oidc-provider';
import { acrValues } from '../assurance/index.ts';
import type { Clock } from '../clock.ts';
import { languages } from '../i18n/languages.ts';
import type { AuthorizationDetails } from './authorization_details.ts';
import { extraClientProperties, validateExtraClientMetadata } from './client_metadata.ts';
import { authorizationCodeTtl, fapiFeature, withFapiClientAssertion } from './fapi_profile.ts';
import { loadExistingGrant } from './first_party_grant.ts';
import { MFA_MAX_AGE, validateMfaMaxAge, withSecondFactorPrompt } from './interaction_policy.ts';

type ExtraParams = NonNullable<Configuration['extraParams']>;
type ParamValidator = (ctx: KoaContextWithOIDC, value: string | undefined, client: unknown) => void | Promise<void>;

/** The claims every ID token carries to say how the person signed in (OIDC Core acr and auth_time, RFC 8176 amr). */
const signInClaims = ['acr', 'amr', 'auth_time'];

const union = (...lists: (Iterable<string> | undefined)[]) => [...new Set(lists.flatMap((list) => [...(list ?? [])]))];

function withMfaMaxAge(extraParams: ExtraParams | undefined): Record<string, ParamValidator | null> {
  const existing: Record<string, ParamValidator | null> = Array.isArray(extraParams)
    ? Object.fromEntries(extraParams.map((name: string) => [name, null]))
    : { ...(extraParams as Record<string, ParamValidator | null> | undefined) };
  return {
    ...existing,
    [MFA_MAX_AGE](_ctx, value) {
      try {
        validateMfaMaxAge(value);
      } catch (error) {
        throw new errors.InvalidRequest((error as Error).message);
      }
    },
  };
}

/**
 * A client whose client_id is the URL of its own metadata document (the host's
 * clientIdMetadataDocument feature): its metadata is whatever that document says.
 */
function isMetadataDocumentClient(host: Configuration, metadata: unknown): boolean {
  const features = host.features as { clientIdMetadataDocument?: { enabled?: boolean } } | undefined;
  const clientId = (metadata as { client_id?: unknown }).client_id;
  return features?.clientIdMetadataDocument?.enabled === true && typeof clientId === 'string' && clientId.startsWith('https://');
}

/** Rich Authorization Requests when the operator has types, else the host's own setting. */
const rarFeature = (details: AuthorizationDetails | undefined) => (details?.enabled ? { richAuthorizationRequests: details.feature() } : {});

/**
 * The host's oidc-provider configuration with Stepup in it: the second-factor prompt after
 * the host's login prompt, Stepup's pages for it, the acr values and the `acr`/`amr` claims,
 * the `mfa_max_age` parameter, the client metadata `mfa_policy` and `first_party`, and the
 * FAPI 2.0 profile for clients with `fapi_profile: "2.0"`. Everything else is the host's, untouched.
 */
export function stepupConfiguration(
  host: Configuration,
  deps: { basePath: string; clock: Clock; interactionSeconds: number; authorizationDetails?: AuthorizationDetails },
): Configuration {
  if (host.interactions?.url) {
    throw new TypeError(`Stepup sets interactions.url: serve the login and consent pages at ${deps.basePath}/interaction/:uid (or choose another basePath)`);
  }
  // oidc-provider's development pages sign anyone in by account id, past every prompt of Stepup's
  if (host.features?.devInteractions?.enabled === true) {
    throw new TypeError('features.devInteractions must be off: its pages sign anyone in without a password or a second factor');
  }
  // a sign-in outlives neither Stepup's records of it nor the provider's interaction: the two agree
  const hostInteraction = host.ttl?.Interaction;
  if (hostInteraction !== undefined && hostInteraction !== deps.interactionSeconds) {
    throw new TypeError(
      `ttl.Interaction (${typeof hostInteraction === 'number' ? hostInteraction : 'a function'}) must equal Stepup's settings.interactionSeconds (${deps.interactionSeconds}): set one to the other, or leave ttl.Interaction out and Stepup sets it`,
    );
  }
  const hostClaims = host.claims ?? {};
  const hostMetadata = host.extraClientMetadata;
  return {
    ...host,
    ttl: { ...host.ttl, Interaction: deps.interactionSeconds, AuthorizationCode: authorizationCodeTtl(host.ttl?.AuthorizationCode) },
    // devInteractions is on by default in oidc-provider: off, whatever the host forgot;
    // fapi is asked per client, so a client with fapi_profile "2.0" is held to FAPI 2.0
    features: {
      ...host.features,
      devInteractions: { enabled: false },
      fapi: fapiFeature(host.features?.fapi),
      // the operator's authorization_details types, approved on the second-factor page
      ...rarFeature(deps.authorizationDetails),
    } as Configuration['features'],
    assertJwtClientAuthClaimsAndHeader: withFapiClientAssertion(host.assertJwtClientAuthClaimsAndHeader),
    acrValues: union(host.acrValues, acrValues),
    // the languages of Stepup's pages, which an authorization request picks with ui_locales
    discovery: { ...host.discovery, ui_locales_supported: [...languages] },
    claims: { ...hostClaims, openid: union(hostClaims.openid as string[] | undefined, ['sub'], signInClaims) },
    extraParams: withMfaMaxAge(host.extraParams),
    extraClientMetadata: {
      ...hostMetadata,
      properties: union(hostMetadata?.properties, extraClientProperties),
      validator(ctx, key, value, metadata) {
        if (extraClientProperties.includes(key)) {
          const fields = metadata as Record<string, unknown>;
          if (ctx || isMetadataDocumentClient(host, metadata)) {
            // Stepup's trust metadata is the host's (or Stepup's admins') to set: a client that
            // registers itself, or edits its registration, would otherwise name itself first-party
            // or drop its FAPI profile. An edit keeps what was set, and may send it back unchanged.
            const kept = (ctx?.oidc.client as unknown as Record<string, unknown> | undefined)?.[key];
            if (value !== undefined && !isDeepStrictEqual(value, kept)) {
              throw new errors.InvalidClientMetadata(`${key} is set by the server's administrators, not by client registration`);
            }
            if (kept !== undefined) fields[key] = kept;
            return validateExtraClientMetadata(key, kept, fields);
          }
          return validateExtraClientMetadata(key, value, fields);
        }
        return hostMetadata?.validator?.(ctx, key, value, metadata);
      },
    },
    // first-party clients (metadata first_party: true) skip the consent page; others keep the host's grants
    loadExistingGrant: host.loadExistingGrant ?? loadExistingGrant,
    interactions: {
      ...host.interactions,
      policy: withSecondFactorPrompt(deps.clock, host.interactions?.policy as Parameters<typeof withSecondFactorPrompt>[1]),
      // One address for every prompt: oidc-provider scopes its interaction cookie to it, so
      // Stepup's pages below it see the cookie; they answer the second_factor prompt there.
      url: (_ctx, interaction) => `${deps.basePath}/interaction/${interaction.uid}`,
    },
  };
}
