import type { DatabaseSync } from 'node:sqlite';
import type { Channel, Delivery } from '../../model/factor.ts';
import type { DeliveryLogStore } from '../ports.ts';

type Row = Record<string, string | number | null>;

const toDelivery = (row: Row): Delivery => ({
  id: row.id as string,
  accountId: row.account_id as string,
  channel: row.channel as Channel,
  maskedTo: row.masked_to as string,
  purpose: row.purpose as Delivery['purpose'],
  result: row.result as Delivery['result'],
  reason: row.reason as string | null,
  providerMessageId: row.provider_message_id as string | null,
  fallbackFrom: row.fallback_from as Channel | null,
  status: row.status as string | null,
  createdAt: row.created_at as number,
});

export function sqliteDeliveries(db: DatabaseSync): DeliveryLogStore {
  const add = db.prepare(`INSERT INTO deliveries
    (id, account_id, channel, masked_to, purpose, result, reason, provider_message_id, fallback_from, status, created_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const setStatus = db.prepare('UPDATE deliveries SET status = ? WHERE provider_message_id = ?');
  const recent = db.prepare('SELECT * FROM deliveries WHERE account_id = ? ORDER BY created_at DESC LIMIT ?');

  return {
    async add(d) {
      add.run(d.id, d.accountId, d.channel, d.maskedTo, d.purpose, d.result, d.reason, d.providerMessageId, d.fallbackFrom, d.status, d.createdAt);
    },
    async updateStatus(providerMessageId, status) {
      return Number(setStatus.run(status, providerMessageId).changes) > 0;
    },
    async listForAccount(accountId, limit) {
      return (recent.all(accountId, limit) as Row[]).map(toDelivery);
    },
    async list(q) {
      const sql = 'SELECT * FROM deliveries WHERE created_at >= ? AND created_at < ? ORDER BY created_at DESC, id LIMIT ? OFFSET ?';
      return (db.prepare(sql).all(q.since ?? 0, q.until ?? Number.MAX_SAFE_INTEGER, q.limit, q.offset ?? 0) as Row[]).map(toDelivery);
    },
  };
}
