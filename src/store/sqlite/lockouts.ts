import type { DatabaseSync } from 'node:sqlite';
import type { Clock } from '../../clock.ts';
import { type CounterState, type LockoutState, liveLockoutState, lockMs, lockoutStateEnd } from '../../model/lockout.ts';
import type { LockoutStore } from '../ports.ts';

const day = 24 * 60 * 60 * 1000;

/**
 * One row per subject with its state as JSON. Each change reads and writes the row inside
 * BEGIN IMMEDIATE with no await between, so no other process or request comes in between.
 */
export function sqliteLockouts(db: DatabaseSync, clock: Clock): LockoutStore {
  const read = db.prepare('SELECT state FROM lockout_states WHERE subject = ?');
  const write = db.prepare(`INSERT INTO lockout_states (subject, state, expires_at) VALUES (?, ?, ?)
    ON CONFLICT (subject) DO UPDATE SET state = excluded.state, expires_at = excluded.expires_at`);
  const remove = db.prepare('DELETE FROM lockout_states WHERE subject = ?');
  const sweep = db.prepare('DELETE FROM lockout_states WHERE expires_at <= ?');

  /** The live parts of the stored state. */
  const load = (subject: string, now: number): LockoutState => {
    const row = read.get(subject) as { state: string } | undefined;
    return row ? liveLockoutState(JSON.parse(row.state) as LockoutState, now) : {};
  };
  const save = (subject: string, state: LockoutState) => {
    const expiresAt = lockoutStateEnd(state);
    if (expiresAt === 0) remove.run(subject);
    else write.run(subject, JSON.stringify(state), expiresAt);
  };
  const changing = <T>(work: (now: number) => T): T => {
    db.exec('BEGIN IMMEDIATE');
    try {
      const result = work(clock.now());
      db.exec('COMMIT');
      return result;
    } catch (error) {
      if (db.isTransaction) db.exec('ROLLBACK');
      throw error;
    }
  };
  const counted = (counter: CounterState | undefined, now: number, windowMs: number): CounterState =>
    counter ? { count: counter.count + 1, expiresAt: counter.expiresAt } : { count: 1, expiresAt: now + windowMs };

  return {
    async get(subject) {
      const state = load(subject, clock.now());
      return Object.keys(state).length ? state : null;
    },
    async attempt(subject, kind, windowMs) {
      return changing((now) => {
        const state = load(subject, now);
        if (state.lockedUntil) return state;
        state[kind] = counted(state[kind], now, windowMs);
        save(subject, state);
        return state;
      });
    },
    async lock(subject, kind, limit, period) {
      return changing((now) => {
        const state = load(subject, now);
        if (state.lockedUntil || (state[kind]?.count ?? 0) < limit) return null;
        state.lockouts = counted(state.lockouts, now, day);
        state.lockedUntil = now + lockMs(period, state.lockouts.count);
        delete state[kind];
        save(subject, state);
        return state.lockedUntil;
      });
    },
    async clear(subject, parts) {
      if (parts === 'all') {
        remove.run(subject);
        return;
      }
      changing((now) => {
        const state = load(subject, now);
        if (!parts.some((part) => part in state)) return;
        for (const part of parts) delete state[part];
        save(subject, state);
      });
    },
    async sweep() {
      return Number(sweep.run(clock.now()).changes);
    },
  };
}
