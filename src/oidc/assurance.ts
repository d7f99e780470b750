import type { MethodKind } from '../otp/methods.ts';
import { amrOf } from '../otp/methods.ts';
import type { MfaPolicy } from '../store/ports.ts';

/** OIDC Core acr values: how strongly the person signed in. */
export const ACR_1FA = 'urn:stepup:loa:1fa';
export const ACR_2FA = 'urn:stepup:loa:2fa';
export const acrValues = [ACR_1FA, ACR_2FA];

interface AcrClaimRequest {
  essential?: boolean;
  value?: string;
  values?: string[];
}

export interface AuthorizationAsk {
  /** after oidc-provider applied the client's default_acr_values */
  acr_values?: unknown;
  claims?: unknown;
}

function requestedAcrClaim(claims: unknown): AcrClaimRequest | undefined {
  const parsed = typeof claims === 'string' ? safeJson(claims) : claims;
  const acr = (parsed as { id_token?: { acr?: unknown } } | undefined)?.id_token?.acr;
  return acr && typeof acr === 'object' ? (acr as AcrClaimRequest) : undefined;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A set of acceptable acr values asks for 2fa when 2fa is in it and 1fa is not. */
const asksFor2fa = (acceptable: string[]) => acceptable.includes(ACR_2FA) && !acceptable.includes(ACR_1FA);

/**
 * Whether this authorization needs the second factor: always under the `required` policy;
 * under `on-request` when acr_values (including default_acr_values) or an essential acr
 * claim asks for urn:stepup:loa:2fa.
 */
export function needsSecondFactor(policy: MfaPolicy, ask: AuthorizationAsk): boolean {
  if (policy === 'required') return true;
  if (typeof ask.acr_values === 'string' && asksFor2fa(ask.acr_values.split(' '))) return true;
  const claim = requestedAcrClaim(ask.claims);
  if (!claim?.essential) return false;
  const values = claim.value !== undefined ? [claim.value] : Array.isArray(claim.values) ? claim.values : [];
  return asksFor2fa(values.map(String));
}

export type LoginResult = {
  accountId: string;
  acr: string;
  amr: string[];
  remember: boolean;
  ts: number;
};

/** The login result for oidc-provider: the password, and the second factor when one was passed. */
export function loginResult(accountId: string, secondFactor: MethodKind | null, now: number): LoginResult {
  return {
    accountId,
    acr: secondFactor ? ACR_2FA : ACR_1FA,
    amr: secondFactor ? ['pwd', amrOf[secondFactor], 'mfa'] : ['pwd'],
    remember: true,
    ts: Math.floor(now / 1000),
  };
}
