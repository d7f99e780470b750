import type { MfaPolicy } from '../model/client.ts';
import { checkAllowedResources } from './allowed_resources.ts';

/** Stepup's own client metadata, next to the standard OIDC fields. */
export const extraClientProperties = ['first_party', 'mfa_policy', 'id_token_claims', 'allowed_resources'];

type ClientLike = Record<string, unknown>;

export const mfaPolicies: readonly MfaPolicy[] = ['required', 'on-request', 'phishing-resistant'];

/** The client's mfa_policy; `required` when it has none. */
export function mfaPolicyOf(client: object): MfaPolicy {
  const policy = (client as ClientLike).mfa_policy;
  return mfaPolicies.find((known) => known === policy) ?? 'required';
}

/** The client of a request: oidc-provider runs its checks and grant hooks only once it knows one. */
export function clientOf<C extends object>(oidc: { readonly client?: C | undefined }): C {
  if (!oidc.client) throw new Error('oidc-provider asked about a request with no client');
  return oidc.client;
}

export const isFirstParty = (client: object): boolean => (client as ClientLike).first_party === true;

/** Whether the client asked for scope claims (email, profile, phone, roles) in the ID token too. */
export const putsScopeClaimsInIdToken = (client: object): boolean => (client as ClientLike).id_token_claims === true;

/** oidc-provider's validator hook for the extra properties; throws to refuse a client. */
export function validateExtraClientMetadata(key: string, value: unknown): void {
  if (value === undefined) return;
  if ((key === 'first_party' || key === 'id_token_claims') && typeof value !== 'boolean') throw new TypeError(`${key} must be a boolean`);
  if (key === 'mfa_policy' && !mfaPolicies.includes(value as MfaPolicy)) {
    throw new TypeError('mfa_policy must be "required", "on-request" or "phishing-resistant"');
  }
  if (key === 'allowed_resources') checkAllowedResources(value);
}
