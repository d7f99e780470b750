import type { DatabaseSync } from 'node:sqlite';
import type { Factor, FactorKind } from '../../model/factor.ts';
import { DuplicateError, type FactorStore } from '../ports.ts';
import { isUniqueViolation } from './database.ts';

type Row = Record<string, string | number | null>;

export function toFactor(row: Row): Factor {
  return {
    id: row.id as string,
    accountId: row.account_id as string,
    kind: row.kind as FactorKind,
    secretCiphertext: row.secret_ciphertext as string | null,
    target: row.target as string | null,
    confirmedAt: row.confirmed_at as number | null,
    lastTimeStep: row.last_time_step as number | null,
    createdAt: row.created_at as number,
    ...(row.passkey ? { passkey: JSON.parse(row.passkey as string) } : {}),
  };
}

export function sqliteFactors(db: DatabaseSync): FactorStore {
  const insert = db.prepare(`INSERT INTO factors
    (id, account_id, kind, secret_ciphertext, target, confirmed_at, last_time_step, created_at, credential_id, passkey)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const byId = db.prepare('SELECT * FROM factors WHERE id = ?');
  const byCredential = db.prepare('SELECT * FROM factors WHERE credential_id = ?');
  const byAccount = db.prepare('SELECT * FROM factors WHERE account_id = ? ORDER BY created_at');
  const remove = db.prepare('DELETE FROM factors WHERE id = ?');
  const acceptStep = db.prepare(`UPDATE factors SET last_time_step = ?
    WHERE id = ? AND (last_time_step IS NULL OR last_time_step < ?)`);
  const setUse = `UPDATE factors SET passkey = json_set(passkey, '$.counter', ?, '$.lastUsedAt', ?) WHERE id = ? AND passkey IS NOT NULL`;
  const useCountingPasskey = db.prepare(`${setUse} AND json_extract(passkey, '$.counter') < ?`);
  const useUncountedPasskey = db.prepare(`${setUse} AND json_extract(passkey, '$.counter') = 0`);
  const rename = db.prepare(`UPDATE factors SET passkey = json_set(passkey, '$.name', ?) WHERE id = ? AND passkey IS NOT NULL`);

  return {
    async add(f) {
      try {
        const passkey = f.passkey ? JSON.stringify(f.passkey) : null;
        insert.run(
          f.id,
          f.accountId,
          f.kind,
          f.secretCiphertext,
          f.target,
          f.confirmedAt,
          f.lastTimeStep,
          f.createdAt,
          f.passkey?.credentialId ?? null,
          passkey,
        );
      } catch (error) {
        if (isUniqueViolation(error)) throw new DuplicateError('this factor or credential is registered already');
        throw error;
      }
    },
    async find(id) {
      const row = byId.get(id) as Row | undefined;
      return row ? toFactor(row) : null;
    },
    async findByCredentialId(credentialId) {
      const row = byCredential.get(credentialId) as Row | undefined;
      return row ? toFactor(row) : null;
    },
    async listForAccount(accountId) {
      return (byAccount.all(accountId) as Row[]).map(toFactor);
    },
    async remove(id) {
      remove.run(id);
    },
    async acceptTimeStep(id, timeStep) {
      return Number(acceptStep.run(timeStep, id, timeStep).changes) === 1;
    },
    async acceptPasskeyUse(id, counter, at) {
      const changes = counter === 0 ? useUncountedPasskey.run(counter, at, id).changes : useCountingPasskey.run(counter, at, id, counter).changes;
      return Number(changes) === 1;
    },
    async renamePasskey(id, name) {
      return Number(rename.run(name, id).changes) === 1;
    },
  };
}
