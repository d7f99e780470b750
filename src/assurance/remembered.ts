import { ACR_PHR, type Acr } from './levels.ts';
import { type AuthorizationAsk, mfaMaxAgeMs } from './requirement.ts';

/** What decides whether a remembered browser may stand in for the second factor in a sign-in. */
export interface RememberFacts {
  /** the client's remember_browser_days; null when it does not allow remembered browsers */
  rememberDays: number | null;
  /** the level the sign-in needs */
  needed: Acr;
  /** the authorization request's parameters */
  ask: AuthorizationAsk;
}

/**
 * Whether the second-factor page may offer to remember this browser, or accept one: only when
 * the client allows it, the level is below phr (a key in a browser is no phishing-resistant
 * assertion), and the request approves no transaction (an approval always asks a real factor).
 */
export function rememberAllowed({ rememberDays, needed, ask }: RememberFacts): boolean {
  if (rememberDays === null || rememberDays < 1) return false;
  if (needed === ACR_PHR) return false;
  const details = ask.authorization_details;
  if (details !== undefined && details !== null && details !== '' && details !== '[]') return false;
  return true;
}

/**
 * Whether a remembered browser whose key was made after a real factor passed at `factorAt` is
 * accepted now: as `rememberAllowed`, and the request's mfa_max_age (if any) is not shorter than
 * the age of that real factor, so an application that wants a fresh factor gets a real one.
 */
export function rememberedAccepted(facts: RememberFacts & { factorAt: number; now: number }): boolean {
  if (!rememberAllowed(facts)) return false;
  const maxAge = mfaMaxAgeMs(facts.ask);
  return maxAge === null || facts.now - facts.factorAt <= maxAge;
}
