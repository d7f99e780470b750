import { isDeepStrictEqual } from 'node:util';
import { type Acr, acrRank } from '../assurance/levels.ts';

/** What a route needs of the access token it is called with. */
export interface Requirement {
  /** every one of these scopes */
  scopes?: string[];
  /** at least this level (a higher one satisfies it) */
  acr?: Acr;
  /** the person signed in (entered the password, or a passkey) at most this many seconds ago */
  maxAge?: number;
}

/** The claims of a verified Stepup access token (RFC 9068) that the checks read. */
export interface AccessTokenClaims {
  sub?: string;
  client_id?: string;
  scope?: string;
  acr?: string;
  amr?: string[];
  auth_time?: number;
  [claim: string]: unknown;
}

/** Why a request was refused, in the words of RFC 6750 §3.1 and RFC 9470 §3. */
export type Refusal =
  | { error: 'missing_token' }
  | { error: 'invalid_request' | 'invalid_token'; description: string }
  | { error: 'insufficient_scope'; description: string; scopes: string[] }
  | { error: 'insufficient_user_authentication'; description: string; acrValues?: string; maxAge?: number };

/**
 * Whether a verified token meets a route's requirement: undefined when it does, else the
 * refusal. Scopes first, since signing in again cannot add a scope; then the level and the
 * freshness together, so one challenge asks for all the client must do.
 */
export function unmetBy(claims: AccessTokenClaims, requirement: Requirement, nowSeconds: number): Refusal | undefined {
  const granted = typeof claims.scope === 'string' ? claims.scope.split(' ') : [];
  const needed = requirement.scopes ?? [];
  const missing = needed.filter((scope) => !granted.includes(scope));
  if (missing.length > 0) return { error: 'insufficient_scope', description: `the token lacks the scope ${missing.join(' ')}`, scopes: needed };

  const tooWeak = requirement.acr !== undefined && acrRank(claims.acr) < acrRank(requirement.acr);
  const tooOld = requirement.maxAge !== undefined && (typeof claims.auth_time !== 'number' || nowSeconds - claims.auth_time > requirement.maxAge);
  if (!tooWeak && !tooOld) return undefined;
  const reasons = [tooWeak && `a sign-in at ${requirement.acr}`, tooOld && `a sign-in within the last ${requirement.maxAge} seconds`];
  return {
    error: 'insufficient_user_authentication',
    description: `this call needs ${reasons.filter(Boolean).join(' and ')}`,
    // the client passes both on to its authorization request (RFC 9470 §4)
    ...(requirement.acr !== undefined && { acrValues: requirement.acr }),
    ...(requirement.maxAge !== undefined && { maxAge: requirement.maxAge }),
  };
}

/** The HTTP status of a refusal: 401 unless the request was malformed (400) or lacked a scope (403). */
export function statusOf(refusal: Refusal): 400 | 401 | 403 {
  if (refusal.error === 'invalid_request') return 400;
  if (refusal.error === 'insufficient_scope') return 403;
  return 401;
}

/**
 * The `WWW-Authenticate` value of a refusal. A request without a token learns only the scheme
 * (RFC 6750 §3.1: no error code then). Descriptions are ours, in the characters a quoted
 * string allows.
 */
export function challengeOf(refusal: Refusal): string {
  if (refusal.error === 'missing_token') return 'Bearer';
  const params: [string, string | number][] = [
    ['error', refusal.error],
    ['error_description', refusal.description],
  ];
  if (refusal.error === 'insufficient_scope') params.push(['scope', refusal.scopes.join(' ')]);
  if (refusal.error === 'insufficient_user_authentication') {
    if (refusal.acrValues !== undefined) params.push(['acr_values', refusal.acrValues]);
    if (refusal.maxAge !== undefined) params.push(['max_age', refusal.maxAge]);
  }
  return `Bearer ${params.map(([name, value]) => `${name}="${quotable(String(value))}"`).join(', ')}`;
}

/** A quoted-string's allowed characters (RFC 6750 §3): printable ASCII but `"` and `\`. */
const quotable = (text: string) => text.replace(/[^\x20-\x21\x23-\x5b\x5d-\x7e]/g, '');

/**
 * Whether the token carries, among the authorization_details the person approved (RFC 9396),
 * exactly `detail`: what the API is about to execute must be what was approved, field for field.
 */
export function detailsApproved(claims: AccessTokenClaims, detail: Record<string, unknown>): boolean {
  const approved = Array.isArray(claims.authorization_details) ? claims.authorization_details : [];
  return approved.some((one) => isDeepStrictEqual(one, detail));
}
