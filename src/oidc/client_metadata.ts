import { accentProblem, isLogoDataUrl, linkProblem } from '../model/branding.ts';
import { type MfaPolicy, mfaPolicies, mfaPolicyOf, rememberBrowserDaysOf, rememberBrowserDaysProblem } from '../model/client.ts';
import { checkAllowedResources } from './allowed_resources.ts';
import { applyFapiProfile } from './fapi_profile.ts';

/** Stepup's own client metadata, next to the standard OIDC fields. */
export const extraClientProperties = [
  'first_party',
  'mfa_policy',
  'id_token_claims',
  'allowed_resources',
  'fapi_profile',
  'remember_browser_days',
  'logo_image',
  'accent_color',
  'support_uri',
];

type ClientLike = Record<string, unknown>;

/** Stepup's client metadata, as a host writes it into its own client configuration. */
export interface StepupClientMetadata {
  /** a trusted application: no consent page */
  first_party?: boolean;
  /** `required` (the default), `on-request`, or `phishing-resistant` (a passkey every sign-in) */
  mfa_policy?: MfaPolicy;
  /** scope claims (email, profile, phone, roles) in the ID token too */
  id_token_claims?: boolean;
  /** the APIs (resource indicators) the client may ask for, each with the scopes it may ask for there */
  allowed_resources?: Record<string, string[]>;
  /** `"2.0"`: held to the FAPI 2.0 Security Profile (PAR, PKCE, DPoP, private_key_jwt only; fapi_profile.ts) */
  fapi_profile?: '2.0';
  /** 1..30: a person may remember a browser this many days (a device-bound key stands in for the code); absent: off */
  remember_browser_days?: number;
  /** an uploaded logo for the sign-in pages: a data: URL of a PNG, JPEG or GIF of at most 32 KiB */
  logo_image?: string;
  /** the sign-in pages' accent, `#rrggbb`, at least 4.5:1 against white */
  accent_color?: string;
  /** where people get help: https:// or mailto: */
  support_uri?: string;
}

/**
 * A host's client metadata with the values of Stepup's keys type-checked (`mfa_policy:
 * 'sometimes'` is an error at compile time): `clients: [stepupClient({ client_id, ...,
 * mfa_policy: 'on-request' })]`. It hands the metadata back unchanged.
 */
export const stepupClient = <Metadata extends { client_id: string }>(metadata: Metadata & StepupClientMetadata): Metadata & StepupClientMetadata => metadata;

// in the model, so that the admin's services and the CLI read a policy without loading oidc-provider
export { mfaPolicies, mfaPolicyOf, rememberBrowserDaysOf };

/** The client of a request: oidc-provider runs its checks and grant hooks only once it knows one. */
export function clientOf<C extends object>(oidc: { readonly client?: C | undefined }): C {
  if (!oidc.client) throw new Error('oidc-provider asked about a request with no client');
  return oidc.client;
}

export const isFirstParty = (client: object): boolean => (client as ClientLike).first_party === true;

/** Whether the client asked for scope claims (email, profile, phone, roles) in the ID token too. */
export const putsScopeClaimsInIdToken = (client: object): boolean => (client as ClientLike).id_token_claims === true;

/**
 * oidc-provider's validator hook for the extra properties; throws to refuse a client. It may
 * complete `metadata`: `fapi_profile` writes the profile's standard metadata into it.
 */
export function validateExtraClientMetadata(key: string, value: unknown, metadata: ClientLike): void {
  if (key === 'fapi_profile') applyFapiProfile(value, metadata);
  if (value === undefined) return;
  if ((key === 'first_party' || key === 'id_token_claims') && typeof value !== 'boolean') throw new TypeError(`${key} must be a boolean`);
  if (key === 'mfa_policy' && !mfaPolicies.includes(value as MfaPolicy)) {
    throw new TypeError(`mfa_policy must be one of ${mfaPolicies.map((policy) => `"${policy}"`).join(', ')}`);
  }
  if (key === 'allowed_resources') checkAllowedResources(value);
  if (key === 'logo_image' && !isLogoDataUrl(value)) throw new TypeError('logo_image must be a data: URL of a PNG, JPEG or GIF of at most 32 KiB');
  const problem = key === 'accent_color' ? accentProblem(value) : key === 'support_uri' ? linkProblem(value, { mail: true }) : null;
  if (problem) throw new TypeError(`${key} ${problem}`);
  if (key === 'remember_browser_days') {
    const problem = rememberBrowserDaysProblem(value, metadata.mfa_policy);
    if (problem) throw new TypeError(problem);
  }
}
