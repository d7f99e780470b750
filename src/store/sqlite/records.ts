import type { DatabaseSync } from 'node:sqlite';
import type { Clock } from '../../clock.ts';
import type { RecordStore, StoredRecord } from '../ports.ts';
import { accountColumns, toAccount } from './accounts.ts';

type Row = Record<string, string | number | null>;

function toRecord(row: Row): StoredRecord {
  return {
    payload: JSON.parse(row.payload as string) as Record<string, unknown>,
    expiresAt: row.expires_at as number | null,
    consumedAt: row.consumed_at as number | null,
  };
}

const live = '(expires_at IS NULL OR expires_at > ?)';

export function sqliteRecords(db: DatabaseSync, clock: Clock): RecordStore {
  const upsert = db.prepare(`INSERT INTO records (kind, id, payload, expires_at, grant_id, uid, user_code, account_id)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (kind, id) DO UPDATE SET payload = excluded.payload, expires_at = excluded.expires_at,
      grant_id = excluded.grant_id, uid = excluded.uid, user_code = excluded.user_code, account_id = excluded.account_id`);
  const find = db.prepare(`SELECT * FROM records WHERE kind = ? AND id = ? AND ${live}`);
  // the keys as a JSON array of [kind, id] pairs: one statement for any number of them
  const findMany = db.prepare(`SELECT records.* FROM records JOIN json_each(?) AS wanted
    ON records.kind = json_extract(wanted.value, '$[0]') AND records.id = json_extract(wanted.value, '$[1]') WHERE ${live}`);
  // the record with its account's row as a JSON object: one statement, the account by its primary key
  const withAccount = db.prepare(`SELECT records.*,
      (SELECT json_object(${accountColumns.map((c) => `'${c}', ${c}`).join(', ')}) FROM accounts WHERE accounts.id = records.account_id) AS record_account
    FROM records WHERE kind = ? AND id = ? AND ${live}`);
  const byUid = db.prepare(`SELECT * FROM records WHERE kind = ? AND uid = ? AND ${live}`);
  const byUserCode = db.prepare(`SELECT * FROM records WHERE kind = ? AND user_code = ? AND ${live}`);
  const consume = db.prepare(`UPDATE records SET consumed_at = ? WHERE kind = ? AND id = ? AND consumed_at IS NULL AND ${live}`);
  const destroy = db.prepare('DELETE FROM records WHERE kind = ? AND id = ?');
  const revoke = db.prepare('DELETE FROM records WHERE kind = ? AND grant_id = ?');
  const revokeAccount = db.prepare('DELETE FROM records WHERE account_id = ?');
  const sweep = db.prepare('DELETE FROM records WHERE expires_at IS NOT NULL AND expires_at <= ?');

  return {
    async upsert(kind, id, payload, expiresAt, index = {}) {
      upsert.run(kind, id, JSON.stringify(payload), expiresAt, index.grantId ?? null, index.uid ?? null, index.userCode ?? null, index.accountId ?? null);
    },
    async find(kind, id) {
      const row = find.get(kind, id, clock.now()) as Row | undefined;
      return row ? toRecord(row) : null;
    },
    async findMany(keys) {
      const rows = findMany.all(JSON.stringify(keys.map(({ kind, id }) => [kind, id])), clock.now()) as Row[];
      return keys.map(({ kind, id }) => {
        const row = rows.find((r) => r.kind === kind && r.id === id);
        return row ? toRecord(row) : null;
      });
    },
    async findWithAccount(kind, id) {
      const row = withAccount.get(kind, id, clock.now()) as Row | undefined;
      if (!row) return { record: null, account: null };
      return { record: toRecord(row), account: row.record_account ? toAccount(JSON.parse(row.record_account as string) as Row) : null };
    },
    async findBy(kind, field, value) {
      const statement = field === 'uid' ? byUid : byUserCode;
      const row = statement.get(kind, value, clock.now()) as Row | undefined;
      return row ? toRecord(row) : null;
    },
    async consume(kind, id, at) {
      return Number(consume.run(at, kind, id, clock.now()).changes) === 1;
    },
    async destroy(kind, id) {
      destroy.run(kind, id);
    },
    async write(batch) {
      // a savepoint: all or none, inside a transaction or outside one
      db.exec('SAVEPOINT record_writes');
      try {
        for (const w of batch) {
          if (w.op === 'destroy') destroy.run(w.kind, w.id);
          else {
            const index = w.index ?? {};
            upsert.run(
              w.kind,
              w.id,
              JSON.stringify(w.payload),
              w.expiresAt,
              index.grantId ?? null,
              index.uid ?? null,
              index.userCode ?? null,
              index.accountId ?? null,
            );
          }
        }
        db.exec('RELEASE record_writes');
      } catch (error) {
        db.exec('ROLLBACK TO record_writes');
        db.exec('RELEASE record_writes');
        throw error;
      }
    },
    async revokeByGrantId(kind, grantId) {
      revoke.run(kind, grantId);
    },
    async revokeByAccountId(accountId) {
      return Number(revokeAccount.run(accountId).changes);
    },
    async sweep() {
      return Number(sweep.run(clock.now()).changes);
    },
  };
}
