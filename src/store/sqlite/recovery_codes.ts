import type { DatabaseSync } from 'node:sqlite';
import type { RecoveryCodeStore } from '../ports.ts';

export function sqliteRecoveryCodes(db: DatabaseSync): RecoveryCodeStore {
  const clear = db.prepare('DELETE FROM recovery_codes WHERE account_id = ?');
  const insert = db.prepare('INSERT INTO recovery_codes (account_id, code_hash, created_at) VALUES (?, ?, ?)');
  const consume = db.prepare('UPDATE recovery_codes SET used_at = ? WHERE account_id = ? AND code_hash = ? AND used_at IS NULL');
  const countUnused = db.prepare('SELECT COUNT(*) AS n FROM recovery_codes WHERE account_id = ? AND used_at IS NULL');

  return {
    async replace(accountId, codeHashes, at) {
      db.exec('BEGIN IMMEDIATE');
      try {
        clear.run(accountId);
        for (const hash of codeHashes) insert.run(accountId, hash, at);
        db.exec('COMMIT');
      } catch (error) {
        db.exec('ROLLBACK');
        throw error;
      }
    },
    async consume(accountId, codeHash, at) {
      return Number(consume.run(at, accountId, codeHash).changes) === 1;
    },
    async countUnused(accountId) {
      return Number((countUnused.get(accountId) as { n: number }).n);
    },
  };
}
