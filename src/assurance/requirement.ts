import type { MfaPolicy } from '../model/client.ts';
import { type Acr, acrOfRank, acrRank } from './levels.ts';

interface AcrClaimRequest {
  essential?: boolean;
  value?: string;
  values?: string[];
}

/** What an authorization request says about the level it needs (its parameters, as oidc-provider parsed them). */
export interface AuthorizationAsk {
  /** after oidc-provider applied the client's default_acr_values */
  acr_values?: unknown;
  claims?: unknown;
  /** Stepup's own parameter: a second factor passed within this many seconds */
  mfa_max_age?: unknown;
  /** Rich Authorization Requests: what the person approves needs a second factor passed for it */
  authorization_details?: unknown;
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

const policyRank: Record<MfaPolicy, number> = { 'on-request': 1, adaptive: 1, required: 2, 'phishing-resistant': 3 };

/**
 * The level this authorization needs: the client's policy (`required` 2fa, `phishing-resistant`
 * phr, `on-request` and `adaptive` 1fa), raised to 2fa by a risk signal that fired in this
 * sign-in (`riskAsked`, adaptive only), by mfa_max_age or authorization_details (an approval),
 * and to what acr_values (including default_acr_values) or an essential acr claim asks for.
 */
export function requiredLevel(policy: MfaPolicy, ask: AuthorizationAsk, riskAsked = false): Acr {
  let needed = policyRank[policy];
  if (riskAsked && policy === 'adaptive') needed = Math.max(needed, 2);
  if (ask.mfa_max_age !== undefined) needed = Math.max(needed, 2);
  if (typeof ask.authorization_details === 'string' && ask.authorization_details !== '[]') needed = Math.max(needed, 2);
  return acrOfRank(Math.max(needed, askedRank(ask)));
}

/**
 * The level the request itself asks for by acr_values (default_acr_values included) or an
 * essential acr claim, as a rank; 1 when it asks for none.
 */
function askedRank(ask: AuthorizationAsk): number {
  let asked = 1;
  if (typeof ask.acr_values === 'string') asked = lowestAsked(ask.acr_values.split(' '));
  const claim = requestedAcrClaim(ask.claims);
  if (claim?.essential) {
    const values = claim.value !== undefined ? [claim.value] : Array.isArray(claim.values) ? claim.values : [];
    asked = Math.max(asked, lowestAsked(values.map(String)));
  }
  return asked;
}

/** The level that acr_values or an essential acr claim asks for, when either asks for more than 1fa. */
export function askedLevel(ask: AuthorizationAsk): Acr | undefined {
  const rank = askedRank(ask);
  return rank > 1 ? acrOfRank(rank) : undefined;
}

/** The request's mfa_max_age in milliseconds, or null when it sets none. */
export function mfaMaxAgeMs(ask: AuthorizationAsk): number | null {
  const value = ask.mfa_max_age;
  return typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) * 1000 : null;
}
