import type { Clock } from '../clock.ts';
import { type LockoutCount, type LockoutStore, lockMs } from '../store/ports.ts';

export interface LockoutSettings {
  passwordFailures: number;
  secondFactorFailures: number;
  baseLockSeconds: number;
  maxLockSeconds: number;
  failureWindowSeconds: number;
}

export type FailureKind = LockoutCount;

export type Gate = { allowed: true } | { allowed: false; lockedUntil: number };

/**
 * Consecutive failures lock an account for a period that doubles with each lockout in a
 * day (15 min, 30 min, … up to the maximum). Password and second-factor failures are
 * counted apart. Every attempt is counted before it is checked, so parallel guesses cannot
 * get past the limit; a success resets the count. State lives in the store, one record per
 * subject, so every process sees it. What is locked is a subject: an account's id, or the
 * stand-in that password login gives an email with no account, so that one answers alike.
 */
export function createLockout(lockouts: LockoutStore, clock: Clock, settings: LockoutSettings) {
  const limit = { password: settings.passwordFailures, second_factor: settings.secondFactorFailures };
  const windowMs = settings.failureWindowSeconds * 1000;
  const period = { baseMs: settings.baseLockSeconds * 1000, maxMs: settings.maxLockSeconds * 1000 };

  return {
    async lockedUntil(subject: string): Promise<number | null> {
      return (await lockouts.get(subject))?.lockedUntil ?? null;
    },

    /** Counts an attempt; refused while locked or past the limit. */
    async attempt(subject: string, kind: FailureKind): Promise<Gate> {
      const state = await lockouts.attempt(subject, kind, windowMs);
      if (state.lockedUntil) return { allowed: false, lockedUntil: state.lockedUntil };
      if (state[kind]!.count <= limit[kind]) return { allowed: true };
      // past the limit while the attempt that reached it is still taking the lock
      return { allowed: false, lockedUntil: clock.now() + lockMs(period, (state.lockouts?.count ?? 0) + 1) };
    },

    /**
     * After a failed attempt: locks when the limit is reached; returns when the lock ends, or
     * null. Of failures at once (on any process) only the one that takes the lock gets it, so
     * a lockout is counted, audited and mailed once.
     */
    failed(subject: string, kind: FailureKind): Promise<number | null> {
      return lockouts.lock(subject, kind, limit[kind], period);
    },

    /** A successful step resets its count. */
    succeeded(accountId: string, kind: FailureKind): Promise<void> {
      return lockouts.clear(accountId, [kind]);
    },

    /** A complete sign-in also forgets past lockouts. */
    signedIn(accountId: string): Promise<void> {
      return lockouts.clear(accountId, ['password', 'second_factor', 'lockouts']);
    },

    /** Admin unlock: the lock and every count go. */
    unlock(accountId: string): Promise<void> {
      return lockouts.clear(accountId, 'all');
    },
  };
}

export type Lockout = ReturnType<typeof createLockout>;
