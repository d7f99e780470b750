import { ACR_2FA, ACR_PHR, type Acr, satisfies } from './levels.ts';

/** What a signed-in session proved: its level and when its second factor was passed (ms). */
export interface SessionProof {
  acr: unknown;
  secondFactorAt: number | null;
}

/** Whether a session is at `needed` or above, with its second factor passed within `maxAgeMs` (any age when null). */
export function sessionMeets(session: SessionProof | undefined, needed: Acr, maxAgeMs: number | null, now: number): boolean {
  if (!session || !satisfies(session.acr, needed)) return false;
  if (maxAgeMs === null) return true;
  return session.secondFactorAt !== null && now - session.secondFactorAt <= maxAgeMs;
}

/**
 * What a change guards: `passkeys` (add or remove a passkey), `factors` (any other second
 * factor, recovery codes), `console` (entering the admin console or one of its dangerous actions).
 */
export type Guarded = 'passkeys' | 'factors' | 'console';

export interface ChangeFacts {
  guarded: Guarded;
  session: SessionProof;
  /** the account has a passkey that proves phr now */
  phrPasskey: boolean;
  /** how recent the proof must be */
  windowMs: number;
  now: number;
}

export type ChangeDecision = { kind: 'allow' } | { kind: 'ask'; level: Acr; maxAgeMs: number };

/**
 * Changing what proves a level needs that level: passkeys and the console need a fresh passkey
 * assertion (phr) when the account has a passkey that proves it, else a fresh second factor;
 * other factors need a fresh second factor. Asks for what is missing.
 */
export function decideChange(facts: ChangeFacts): ChangeDecision {
  const level = facts.guarded !== 'factors' && facts.phrPasskey ? ACR_PHR : ACR_2FA;
  if (sessionMeets(facts.session, level, facts.windowMs, facts.now)) return { kind: 'allow' };
  return { kind: 'ask', level, maxAgeMs: facts.windowMs };
}
