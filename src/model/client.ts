/** A client application as stored: its metadata, and how strongly it wants people signed in. */

/**
 * `adaptive`: the password alone when the sign-in looks like the person's usual ones, the
 * second factor when a risk signal fires (src/assurance/adaptive.ts).
 */
export const mfaPolicies = ['required', 'on-request', 'phishing-resistant', 'adaptive'] as const;

export type MfaPolicy = (typeof mfaPolicies)[number];

/** The client's mfa_policy (in its metadata); `required` when it has none. */
export function mfaPolicyOf(client: object): MfaPolicy {
  const policy = (client as Record<string, unknown>).mfa_policy;
  return mfaPolicies.find((known) => known === policy) ?? 'required';
}

/** How a confidential client may be registered to authenticate; discovery lists these and `none`. */
export const clientAuthMethods = ['client_secret_basic', 'client_secret_post', 'private_key_jwt'] as const;
export type ClientAuthMethod = (typeof clientAuthMethods)[number];

export interface ClientRecord {
  clientId: string;
  /** oidc-provider client metadata, without the secret */
  metadata: Record<string, unknown>;
  /** client secret encrypted at rest; null for public clients */
  secretCiphertext: string | null;
  createdAt: number;
}
