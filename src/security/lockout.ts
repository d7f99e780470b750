import type { Clock } from '../clock.ts';
import type { CounterStore } from '../store/ports.ts';

export interface LockoutSettings {
  passwordFailures: number;
  secondFactorFailures: number;
  baseLockSeconds: number;
  maxLockSeconds: number;
  failureWindowSeconds: number;
}

export type FailureKind = 'password' | 'second_factor';

export type Gate = { allowed: true } | { allowed: false; lockedUntil: number };

/**
 * Consecutive failures lock an account for a period that doubles with each lockout in a
 * day (15 min, 30 min, … up to the maximum). Password and second-factor failures are
 * counted apart. Every attempt is counted before it is checked, so parallel guesses cannot
 * get past the limit; a success resets the count. State lives in the store's counters,
 * so every process sees it. What is locked is a subject: an account's id, or the stand-in
 * that password login gives an email with no account, so that one answers alike.
 */
export function createLockout(counters: CounterStore, clock: Clock, settings: LockoutSettings) {
  const day = 24 * 60 * 60 * 1000;
  const limit = { password: settings.passwordFailures, second_factor: settings.secondFactorFailures };
  const keys = (subject: string) => ({
    lock: `lock:${subject}`,
    lockouts: `lockouts:${subject}`,
    password: `attempts:password:${subject}`,
    second_factor: `attempts:second_factor:${subject}`,
  });

  const lockedUntil = async (subject: string) => (await counters.peek(keys(subject).lock))?.expiresAt ?? null;

  return {
    lockedUntil,

    /** Counts an attempt; refused while locked or past the limit. */
    async attempt(subject: string, kind: FailureKind): Promise<Gate> {
      const k = keys(subject);
      const locked = await lockedUntil(subject);
      if (locked) return { allowed: false, lockedUntil: locked };
      const attempts = await counters.hit(k[kind], settings.failureWindowSeconds * 1000);
      if (attempts.count <= limit[kind]) {
        // the lock is set before the count is cleared: an attempt counted afresh after that
        // clear, but let in by the look above, finds it now
        const lockedMeanwhile = await lockedUntil(subject);
        return lockedMeanwhile ? { allowed: false, lockedUntil: lockedMeanwhile } : { allowed: true };
      }
      // past the limit while the attempt that reached it is still setting the lock
      return { allowed: false, lockedUntil: (await lockedUntil(subject)) ?? clock.now() + settings.baseLockSeconds * 1000 };
    },

    /**
     * After a failed attempt: locks when the limit is reached; returns when the lock ends, or
     * null. Of failures at once (on any process) only the one that takes the lock gets it, so
     * a lockout is counted, audited and mailed once.
     */
    async failed(subject: string, kind: FailureKind): Promise<number | null> {
      const k = keys(subject);
      const attempts = await counters.peek(k[kind]);
      if (!attempts || attempts.count < limit[kind]) return null;
      if (await lockedUntil(subject)) return null;
      const lockouts = ((await counters.peek(k.lockouts))?.count ?? 0) + 1;
      const seconds = Math.min(settings.baseLockSeconds * 2 ** (lockouts - 1), settings.maxLockSeconds);
      const lock = await counters.hit(k.lock, seconds * 1000);
      if (lock.count > 1) return null;
      await counters.hit(k.lockouts, day);
      await counters.clear(k[kind]);
      return lock.expiresAt;
    },

    /** A successful step resets its count. */
    async succeeded(accountId: string, kind: FailureKind): Promise<void> {
      await counters.clear(keys(accountId)[kind]);
    },

    /** A complete sign-in also forgets past lockouts. */
    async signedIn(accountId: string): Promise<void> {
      const k = keys(accountId);
      await counters.clear(k.password, k.second_factor, k.lockouts);
    },

    /** Admin unlock: the lock and every count go. */
    async unlock(accountId: string): Promise<void> {
      await counters.clear(...Object.values(keys(accountId)));
    },
  };
}

export type Lockout = ReturnType<typeof createLockout>;
