import type { Clock } from '../clock.ts';
import { type LockoutCount, lockMs } from '../model/lockout.ts';
import type { LockoutStore } from '../store/ports.ts';

export interface LockoutSettings {
  passwordFailures: number;
  secondFactorFailures: number;
  baseLockSeconds: number;
  maxLockSeconds: number;
  failureWindowSeconds: number;
}

/**
 * What a lockout counts apart, one count per proof: wrong passwords, failed second factors,
 * and failed assertions of a passwordless passkey sign-in.
 */
export type FailureKind = LockoutCount | 'passkey';

export type Gate = { allowed: true } | { allowed: false; lockedUntil: number };

/** The two lockout records of an account: its password and second-factor counts, and its passkey count. */
export type LockoutRecord = 'account' | 'passkey';

/**
 * Where the failures of `kind` are counted and locked: the record (its subject in the store)
 * and the count in it. A passkey's failures have a record of their own, so wrong passwords
 * never lock the passkey path nor failed assertions the password path; the passkey record
 * holds its one count in the store's password slot.
 */
export function countedIn(subject: string, kind: FailureKind): { record: LockoutRecord; subject: string; count: LockoutCount } {
  if (kind === 'passkey') return { record: 'passkey', subject: passkeySubject(subject), count: 'password' };
  return { record: 'account', subject, count: kind };
}

export const passkeySubject = (accountId: string) => `passkey:${accountId}`;

/** What a success proved: a right password, a passkey assertion that passed, or two factors. */
export type Success = 'password' | 'passkey' | 'two_factors';

/**
 * What each success forgets, per record. A count is reset only by its own proof; a sign-in
 * that passed two factors (a password and a second factor, or a passkey that verified the
 * user) also resets the password and second-factor counts and forgets the account's past
 * lockouts; a passing passkey forgets its own path's. A passkey alone (one factor) never
 * resets the password count: else a thief of a security key without a PIN could guess
 * passwords between touches of the key. (Each success touches one record: a sign-in's
 * storage work is budgeted.)
 */
export const forgets: Record<Success, Record<LockoutRecord, (LockoutCount | 'lockouts')[]>> = {
  password: { account: ['password'], passkey: [] },
  passkey: { account: [], passkey: ['password', 'lockouts'] },
  two_factors: { account: ['password', 'second_factor', 'lockouts'], passkey: [] },
};

/**
 * Consecutive failures lock a path for a period that doubles with each lockout in a day
 * (15 min, 30 min, … up to the maximum). Each proof is counted apart (see `countedIn`):
 * password failures lock the password path (and the second factor after it), second-factor
 * failures too, and failed passwordless passkey assertions only the passkey path, which
 * wrong passwords cannot lock. Every attempt is counted before it is checked, so parallel
 * guesses cannot get past the limit. State lives in the store, one record per subject, so
 * every process sees it. A subject is an account's id, or the stand-in that password login
 * gives an email with no account, so that one answers alike.
 */
export function createLockout(lockouts: LockoutStore, clock: Clock, settings: LockoutSettings) {
  const limit = { password: settings.passwordFailures, second_factor: settings.secondFactorFailures, passkey: settings.passwordFailures };
  const windowMs = settings.failureWindowSeconds * 1000;
  const period = { baseMs: settings.baseLockSeconds * 1000, maxMs: settings.maxLockSeconds * 1000 };
  const lockOf = async (subject: string) => (await lockouts.get(subject))?.lockedUntil ?? null;

  async function forget(accountId: string, success: Success) {
    const parts = forgets[success];
    if (parts.account.length > 0) await lockouts.clear(accountId, parts.account);
    if (parts.passkey.length > 0) await lockouts.clear(passkeySubject(accountId), parts.passkey);
  }

  return {
    /** When the password path (and the second factor after it) is unlocked again, or null. */
    lockedUntil(subject: string): Promise<number | null> {
      return lockOf(subject);
    },

    /** For administrators: the lock of each path, and the later of them (null when neither is locked). */
    async locks(accountId: string): Promise<{ password: number | null; passkey: number | null; until: number | null }> {
      const [password, passkey] = await Promise.all([lockOf(accountId), lockOf(passkeySubject(accountId))]);
      const until = password === null && passkey === null ? null : Math.max(password ?? 0, passkey ?? 0);
      return { password, passkey, until };
    },

    /** Counts an attempt; refused while its path is locked or past the limit. */
    async attempt(subject: string, kind: FailureKind): Promise<Gate> {
      const where = countedIn(subject, kind);
      const state = await lockouts.attempt(where.subject, where.count, windowMs);
      if (state.lockedUntil) return { allowed: false, lockedUntil: state.lockedUntil };
      const counted = state[where.count];
      if (!counted) throw new Error(`the lockout store did not count the ${where.count} attempt`);
      if (counted.count <= limit[kind]) return { allowed: true };
      // past the limit while the attempt that reached it is still taking the lock
      return { allowed: false, lockedUntil: clock.now() + lockMs(period, (state.lockouts?.count ?? 0) + 1) };
    },

    /**
     * After a failed attempt: locks when the limit is reached; returns when the lock ends, or
     * null. Of failures at once (on any process) only the one that takes the lock gets it, so
     * a lockout is counted, audited and mailed once.
     */
    failed(subject: string, kind: FailureKind): Promise<number | null> {
      const where = countedIn(subject, kind);
      return lockouts.lock(where.subject, where.count, limit[kind], period);
    },

    /** A successful step resets its own count, and only that: a passkey alone never resets the password count. */
    succeeded(accountId: string, kind: 'password' | 'passkey'): Promise<void> {
      return forget(accountId, kind);
    },

    /** A sign-in that passed two factors also resets the password and second-factor counts and forgets past lockouts. */
    signedIn(accountId: string): Promise<void> {
      return forget(accountId, 'two_factors');
    },

    /** Admin unlock: every lock and count of the account goes, the passkey path's too. */
    async unlock(accountId: string): Promise<void> {
      await lockouts.clear(accountId, 'all');
      await lockouts.clear(passkeySubject(accountId), 'all');
    },
  };
}

export type Lockout = ReturnType<typeof createLockout>;
