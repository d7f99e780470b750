import type { MethodKind } from '../otp/methods.ts';
import { amrOf } from '../otp/methods.ts';
import type { MfaPolicy } from '../store/ports.ts';
import { SECOND_FACTOR_TS } from './second_factor_time.ts';

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
  /** Stepup's own parameter: a second factor passed within this many seconds */
  mfa_max_age?: unknown;
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
 * under `on-request` when mfa_max_age is given, or acr_values (including default_acr_values)
 * or an essential acr claim asks for urn:stepup:loa:2fa.
 */
export function needsSecondFactor(policy: MfaPolicy, ask: AuthorizationAsk): boolean {
  if (policy === 'required' || ask.mfa_max_age !== undefined) return true;
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
  /** auth_time: when the password was typed */
  ts: number;
  [SECOND_FACTOR_TS]?: number;
};

const seconds = (ms: number) => Math.floor(ms / 1000);

/**
 * The login result for oidc-provider: the password, typed at `passwordAt`, and the second
 * factor when one was passed `now`. Times are in milliseconds.
 */
export function loginResult(accountId: string, secondFactor: MethodKind | null, passwordAt: number, now: number): LoginResult {
  return {
    accountId,
    acr: secondFactor ? ACR_2FA : ACR_1FA,
    amr: secondFactor ? ['pwd', amrOf[secondFactor], 'mfa'] : ['pwd'],
    remember: true,
    ts: seconds(passwordAt),
    ...(secondFactor ? { [SECOND_FACTOR_TS]: seconds(now) } : {}),
  };
}
