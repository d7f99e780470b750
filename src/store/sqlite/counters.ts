import type { DatabaseSync } from 'node:sqlite';
import type { Clock } from '../../clock.ts';
import type { CounterState } from '../../model/lockout.ts';
import type { CounterStore } from '../ports.ts';

export function sqliteCounters(db: DatabaseSync, clock: Clock): CounterStore {
  // one statement: a new window when the old one ended, else one more in it
  const hit = db.prepare(`INSERT INTO counters (key, count, expires_at) VALUES (?, 1, ?)
    ON CONFLICT (key) DO UPDATE SET
      count = CASE WHEN counters.expires_at <= ? THEN 1 ELSE counters.count + 1 END,
      expires_at = CASE WHEN counters.expires_at <= ? THEN excluded.expires_at ELSE counters.expires_at END
    RETURNING count, expires_at`);
  // the same upsert for several keys in one statement: [key, window end] pairs as JSON
  const hitAll = db.prepare(`INSERT INTO counters (key, count, expires_at)
      SELECT json_extract(value, '$[0]'), 1, json_extract(value, '$[1]') FROM json_each(?) WHERE true
    ON CONFLICT (key) DO UPDATE SET
      count = CASE WHEN counters.expires_at <= ? THEN 1 ELSE counters.count + 1 END,
      expires_at = CASE WHEN counters.expires_at <= ? THEN excluded.expires_at ELSE counters.expires_at END
    RETURNING key, count, expires_at`);
  const peek = db.prepare('SELECT count, expires_at FROM counters WHERE key = ? AND expires_at > ?');
  const clear = db.prepare('DELETE FROM counters WHERE key IN (SELECT value FROM json_each(?))');
  const sweep = db.prepare('DELETE FROM counters WHERE expires_at <= ?');
  const toState = (row: { count: number; expires_at: number }): CounterState => ({ count: row.count, expiresAt: row.expires_at });

  return {
    async hit(key, windowMs) {
      const now = clock.now();
      return toState(hit.get(key, now + windowMs, now, now) as { count: number; expires_at: number });
    },
    async hitAll(hits) {
      const now = clock.now();
      const rows = hitAll.all(JSON.stringify(hits.map(({ key, windowMs }) => [key, now + windowMs])), now, now) as {
        key: string;
        count: number;
        expires_at: number;
      }[];
      return hits.map(({ key, limit }) => {
        const row = rows.find((r) => r.key === key);
        if (!row) throw new Error(`the counter ${key} was upserted but not returned`);
        return row.count > limit ? toState(row) : null;
      });
    },
    async peek(key) {
      const row = peek.get(key, clock.now()) as { count: number; expires_at: number } | undefined;
      return row ? toState(row) : null;
    },
    async clear(...keys) {
      clear.run(JSON.stringify(keys));
    },
    async sweep() {
      return Number(sweep.run(clock.now()).changes);
    },
  };
}
