import type { DatabaseSync } from 'node:sqlite';
import { type LockoutState, lockoutStateEnd } from '../../../model/lockout.ts';
import type { SqliteStep } from './step.ts';

/** Lockout state moved from four counters per subject to one row: live ones are carried over. */
export const lockoutStatesFromCounters: SqliteStep = {
  version: 8,
  name: 'lockout_states_from_counters',
  up(db, { now }) {
    if (db.prepare("SELECT 1 FROM counters WHERE key LIKE 'lock%' OR key LIKE 'attempts:%' LIMIT 1").get()) carryOverLockoutCounters(db, now);
  },
};

/**
 * Merges the earlier version's lockout counters into the subjects' rows. A subject may have a
 * row already (a process of this version counted it while one of the earlier version locked
 * it): the later lock and the larger live count of each part win.
 */
function carryOverLockoutCounters(db: DatabaseSync, now: number): void {
  const old = db.prepare("SELECT key, count, expires_at FROM counters WHERE (key LIKE 'lock%' OR key LIKE 'attempts:%') AND expires_at > ?").all(now) as {
    key: string;
    count: number;
    expires_at: number;
  }[];
  const read = db.prepare('SELECT state FROM lockout_states WHERE subject = ?');
  const write = db.prepare(`INSERT INTO lockout_states (subject, state, expires_at) VALUES (?, ?, ?)
    ON CONFLICT (subject) DO UPDATE SET state = excluded.state, expires_at = excluded.expires_at`);
  const states = new Map<string, LockoutState>();
  const stateOf = (subject: string): LockoutState => {
    let state = states.get(subject);
    if (!state) {
      const row = read.get(subject) as { state: string } | undefined;
      state = row ? (JSON.parse(row.state) as LockoutState) : {};
      states.set(subject, state);
    }
    return state;
  };
  for (const { key, count, expires_at: expiresAt } of old) {
    const [, prefix, subject] = /^(lock|lockouts|attempts:password|attempts:second_factor):(.*)$/s.exec(key) ?? [];
    if (!prefix || subject === undefined) continue;
    const state = stateOf(subject);
    if (prefix === 'lock') {
      state.lockedUntil = Math.max(state.lockedUntil ?? 0, expiresAt);
      continue;
    }
    const part = prefix === 'lockouts' ? 'lockouts' : prefix === 'attempts:password' ? 'password' : 'second_factor';
    const current = state[part];
    if (!current || current.expiresAt <= now || current.count < count) state[part] = { count, expiresAt };
  }
  for (const [subject, state] of states) {
    write.run(subject, JSON.stringify(state), lockoutStateEnd(state));
  }
  db.exec("DELETE FROM counters WHERE key LIKE 'lock:%' OR key LIKE 'lockouts:%' OR key LIKE 'attempts:%'");
}
