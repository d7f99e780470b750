import type { Db, Filter } from 'mongodb';
import type { AuditEvent } from '../../model/audit.ts';
import type { AuditLogStore } from '../ports.ts';

export type AuditEventDoc = Omit<AuditEvent, 'id'> & { _id: string };

export const toAuditEvent = ({ _id, ...rest }: AuditEventDoc): AuditEvent => ({ id: _id, ...rest });

export function mongoAuditLog(db: Db): AuditLogStore {
  const events = db.collection<AuditEventDoc>('audit_events');
  return {
    async add({ id, ...rest }) {
      await events.insertOne({ _id: id, ...rest });
    },
    async query(q) {
      const filter: Filter<AuditEventDoc> = {};
      if (q.accountId !== undefined) filter.accountId = q.accountId;
      if (q.email !== undefined) filter.email = q.email;
      if (q.type !== undefined) filter.type = q.type;
      if (q.clientId !== undefined) filter.clientId = q.clientId;
      if (q.result !== undefined) filter.result = q.result;
      if (q.since !== undefined || q.until !== undefined) {
        filter.at = { ...(q.since !== undefined ? { $gte: q.since } : {}), ...(q.until !== undefined ? { $lt: q.until } : {}) };
      }
      return (
        await events
          .find(filter)
          .sort({ at: -1, _id: 1 })
          .skip(q.offset ?? 0)
          .limit(q.limit)
          .toArray()
      ).map(toAuditEvent);
    },
    async prune(before) {
      return (await events.deleteMany({ at: { $lt: before } })).deletedCount;
    },
  };
}
