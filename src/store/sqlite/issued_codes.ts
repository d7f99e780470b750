import type { DatabaseSync } from 'node:sqlite';
import type { Clock } from '../../clock.ts';
import type { IssuedCode } from '../../model/factor.ts';
import type { IssuedCodeStore } from '../ports.ts';

type Row = Record<string, string | number | null>;

const toCode = (row: Row): IssuedCode => ({
  factorId: row.factor_id as string,
  accountId: row.account_id as string,
  codeHash: row.code_hash as string,
  expiresAt: row.expires_at as number,
  attempts: row.attempts as number,
  consumedAt: row.consumed_at as number | null,
  createdAt: row.created_at as number,
});

export function sqliteIssuedCodes(db: DatabaseSync, clock: Clock): IssuedCodeStore {
  const issue = db.prepare(`INSERT INTO issued_codes (factor_id, account_id, code_hash, expires_at, attempts, consumed_at, created_at)
    VALUES (?, ?, ?, ?, 0, NULL, ?)
    ON CONFLICT (factor_id) DO UPDATE SET code_hash = excluded.code_hash, expires_at = excluded.expires_at,
      attempts = 0, consumed_at = NULL, created_at = excluded.created_at`);
  const findLive = db.prepare('SELECT * FROM issued_codes WHERE factor_id = ? AND consumed_at IS NULL AND expires_at > ?');
  const addAttempt = db.prepare('UPDATE issued_codes SET attempts = attempts + 1 WHERE factor_id = ? RETURNING attempts');
  const consume = db.prepare(`UPDATE issued_codes SET consumed_at = ?
    WHERE factor_id = ? AND code_hash = ? AND consumed_at IS NULL AND expires_at > ? AND attempts < ?`);
  const sweep = db.prepare('DELETE FROM issued_codes WHERE expires_at <= ?');

  return {
    async issue(code) {
      issue.run(code.factorId, code.accountId, code.codeHash, code.expiresAt, code.createdAt);
    },
    async findLive(factorId) {
      const row = findLive.get(factorId, clock.now()) as Row | undefined;
      return row ? toCode(row) : null;
    },
    async addAttempt(factorId) {
      const row = addAttempt.get(factorId) as { attempts: number } | undefined;
      return row?.attempts ?? 0;
    },
    async consume(factorId, codeHash, maxAttempts, at) {
      return Number(consume.run(at, factorId, codeHash, clock.now(), maxAttempts).changes) === 1;
    },
    async sweep() {
      return Number(sweep.run(clock.now()).changes);
    },
  };
}
