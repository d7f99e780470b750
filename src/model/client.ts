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

/** The most days a client may let a browser be remembered (`remember_browser_days`). */
export const maxRememberBrowserDays = 30;

/** Why a client's `remember_browser_days` is refused, or null when it is fine (absent is: it is off). */
export function rememberBrowserDaysProblem(value: unknown, policy: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > maxRememberBrowserDays) {
    return `remember_browser_days must be a whole number of days from 1 to ${maxRememberBrowserDays}`;
  }
  if (policy === 'phishing-resistant') return 'remember_browser_days cannot be set on a phishing-resistant client: a remembered browser is no passkey';
  return null;
}

/** The client's `remember_browser_days` (how long a browser's key may stand in for the second factor); null when off. */
export function rememberBrowserDaysOf(client: object): number | null {
  const days = (client as Record<string, unknown>).remember_browser_days;
  return rememberBrowserDaysProblem(days, undefined) === null && typeof days === 'number' ? days : null;
}
