import type { DatabaseSync } from 'node:sqlite';
import type { Factor, FactorKind, FactorStore } from '../ports.ts';

type Row = Record<string, string | number | null>;

function toFactor(row: Row): Factor {
  return {
    id: row.id as string,
    accountId: row.account_id as string,
    kind: row.kind as FactorKind,
    secretCiphertext: row.secret_ciphertext as string | null,
    target: row.target as string | null,
    confirmedAt: row.confirmed_at as number | null,
    lastTimeStep: row.last_time_step as number | null,
    createdAt: row.created_at as number,
  };
}

export function sqliteFactors(db: DatabaseSync): FactorStore {
  const insert = db.prepare(`INSERT INTO factors
    (id, account_id, kind, secret_ciphertext, target, confirmed_at, last_time_step, created_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
  const byId = db.prepare('SELECT * FROM factors WHERE id = ?');
  const byAccount = db.prepare('SELECT * FROM factors WHERE account_id = ? ORDER BY created_at');
  const remove = db.prepare('DELETE FROM factors WHERE id = ?');
  const removeUnconfirmed = db.prepare('DELETE FROM factors WHERE confirmed_at IS NULL');
  const acceptStep = db.prepare(`UPDATE factors SET last_time_step = ?
    WHERE id = ? AND (last_time_step IS NULL OR last_time_step < ?)`);

  return {
    async add(f) {
      insert.run(f.id, f.accountId, f.kind, f.secretCiphertext, f.target, f.confirmedAt, f.lastTimeStep, f.createdAt);
    },
    async find(id) {
      const row = byId.get(id) as Row | undefined;
      return row ? toFactor(row) : null;
    },
    async listForAccount(accountId) {
      return (byAccount.all(accountId) as Row[]).map(toFactor);
    },
    async remove(id) {
      remove.run(id);
    },
    async removeUnconfirmed() {
      return Number(removeUnconfirmed.run().changes);
    },
    async acceptTimeStep(id, timeStep) {
      return Number(acceptStep.run(timeStep, id, timeStep).changes) === 1;
    },
  };
}
