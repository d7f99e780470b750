import type { FactorPassed } from '../otp/methods.ts';
import type { MfaPolicy } from '../store/ports.ts';
import { SECOND_FACTOR_TS } from './second_factor_time.ts';

/** OIDC Core acr values: how strongly the person signed in, weakest first. */
export const ACR_1FA = 'urn:stepup:loa:1fa';
export const ACR_2FA = 'urn:stepup:loa:2fa';
/** phishing-resistant: a WebAuthn assertion in this session */
export const ACR_PHR = 'urn:stepup:loa:phr';
export const acrValues = [ACR_1FA, ACR_2FA, ACR_PHR];

export type Acr = typeof ACR_1FA | typeof ACR_2FA | typeof ACR_PHR;

/** A level's place in the order; 0 for a value that is not one of ours. */
export const acrRank = (acr: unknown): number => acrValues.indexOf(acr as string) + 1;

/** Whether a session at `held` satisfies a request for `needed`: a higher level satisfies a lower one. */
export const satisfies = (held: unknown, needed: Acr) => acrRank(held) >= acrRank(needed);

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

/** A list of acceptable acr values asks for the lowest of our levels in it (any of them will do). */
function lowestAsked(values: string[]): number {
  const ranks = values.map(acrRank).filter((rank) => rank > 0);
  return ranks.length > 0 ? Math.min(...ranks) : 1;
}

const policyRank: Record<MfaPolicy, number> = { 'on-request': 1, required: 2, 'phishing-resistant': 3 };

/**
 * The level this authorization needs: the client's policy (`required` 2fa, `phishing-resistant`
 * phr, `on-request` 1fa), raised to 2fa by mfa_max_age, and to what acr_values (including
 * default_acr_values) or an essential acr claim asks for.
 */
export function requiredLevel(policy: MfaPolicy, ask: AuthorizationAsk): Acr {
  let needed = policyRank[policy];
  if (ask.mfa_max_age !== undefined) needed = Math.max(needed, 2);
  if (typeof ask.acr_values === 'string') needed = Math.max(needed, lowestAsked(ask.acr_values.split(' ')));
  const claim = requestedAcrClaim(ask.claims);
  if (claim?.essential) {
    const values = claim.value !== undefined ? [claim.value] : Array.isArray(claim.values) ? claim.values : [];
    needed = Math.max(needed, lowestAsked(values.map(String)));
  }
  return acrValues[needed - 1] as Acr;
}

/** Whether this authorization needs more than the password. */
export const needsSecondFactor = (policy: MfaPolicy, ask: AuthorizationAsk) => requiredLevel(policy, ask) !== ACR_1FA;

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
 * factor when one was passed `now`: a passkey reaches phr, any other factor 2fa. Times are in
 * milliseconds.
 */
export function loginResult(accountId: string, secondFactor: FactorPassed | null, passwordAt: number, now: number): LoginResult {
  return {
    accountId,
    acr: !secondFactor ? ACR_1FA : secondFactor.method === 'webauthn' ? ACR_PHR : ACR_2FA,
    amr: secondFactor ? ['pwd', ...secondFactor.amr, 'mfa'] : ['pwd'],
    remember: true,
    ts: seconds(passwordAt),
    ...(secondFactor ? { [SECOND_FACTOR_TS]: seconds(now) } : {}),
  };
}

/**
 * The login result of a passwordless sign-in by passkey at `now` (its auth_time): two factors
 * (2fa, `mfa`, and the second factor's time for mfa_max_age) when the authenticator verified
 * the user, else one (1fa).
 */
export function passkeyLoginResult(accountId: string, passkey: FactorPassed, userVerified: boolean, now: number): LoginResult {
  return {
    accountId,
    acr: userVerified ? ACR_2FA : ACR_1FA,
    amr: userVerified ? [...passkey.amr, 'mfa'] : passkey.amr,
    remember: true,
    ts: seconds(now),
    ...(userVerified ? { [SECOND_FACTOR_TS]: seconds(now) } : {}),
  };
}
