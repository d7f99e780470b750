import type { DatabaseSync, SQLInputValue } from 'node:sqlite';
import type { AuditEvent, AuditType } from '../../model/audit.ts';
import type { AuditLogStore } from '../ports.ts';

type Row = Record<string, string | number | null>;

const toEvent = (row: Row): AuditEvent => ({
  id: row.id as string,
  at: row.at as number,
  type: row.type as AuditType,
  accountId: row.account_id as string | null,
  email: row.email as string | null,
  clientId: row.client_id as string | null,
  ip: row.ip as string | null,
  userAgent: row.user_agent as string | null,
  channel: row.channel as string | null,
  result: row.result as AuditEvent['result'],
  detail: row.detail as string | null,
});

export function sqliteAuditLog(db: DatabaseSync): AuditLogStore {
  const add = db.prepare(`INSERT INTO audit_events (id, at, type, account_id, email, client_id, ip, user_agent, channel, result, detail)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const prune = db.prepare('DELETE FROM audit_events WHERE at < ?');

  return {
    async add(e) {
      add.run(e.id, e.at, e.type, e.accountId, e.email, e.clientId, e.ip, e.userAgent, e.channel, e.result, e.detail);
    },
    async query(q) {
      const where: string[] = [];
      const args: SQLInputValue[] = [];
      const filter = (clause: string, value: SQLInputValue | undefined) => {
        if (value === undefined) return;
        where.push(clause);
        args.push(value);
      };
      filter('account_id = ?', q.accountId);
      filter('email = ?', q.email);
      filter('type = ?', q.type);
      filter('client_id = ?', q.clientId);
      filter('result = ?', q.result);
      filter('at >= ?', q.since);
      filter('at < ?', q.until);
      const sql = `SELECT * FROM audit_events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY at DESC, id LIMIT ? OFFSET ?`;
      return (db.prepare(sql).all(...args, q.limit, q.offset ?? 0) as Row[]).map(toEvent);
    },
    async prune(before) {
      return Number(prune.run(before).changes);
    },
  };
}
