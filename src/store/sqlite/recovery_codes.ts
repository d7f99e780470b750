import type { DatabaseSync } from 'node:sqlite';
import type { RecoveryCodeStore } from '../ports.ts';

export function sqliteRecoveryCodes(db: DatabaseSync): RecoveryCodeStore {
  const clear = db.prepare('DELETE FROM recovery_codes WHERE account_id = ?');
  const insert = db.prepare('INSERT INTO recovery_codes (account_id, code_hash, created_at) VALUES (?, ?, ?)');
  const consume = db.prepare('UPDATE recovery_codes SET used_at = ? WHERE account_id = ? AND code_hash = ? AND used_at IS NULL');
  const countUnused = db.prepare('SELECT COUNT(*) AS n FROM recovery_codes WHERE account_id = ? AND used_at IS NULL');

  return {
    async replace(accountId, codeHashes, at) {
      // a savepoint: atomic inside a transaction and outside one
      db.exec('SAVEPOINT replace_codes');
      try {
        clear.run(accountId);
        for (const hash of codeHashes) insert.run(accountId, hash, at);
        db.exec('RELEASE replace_codes');
      } catch (error) {
        db.exec('ROLLBACK TO replace_codes');
        db.exec('RELEASE replace_codes');
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
