import type { Db, Filter } from 'mongodb';
import type { Clock } from '../../clock.ts';
import type { RecordIndex, RecordStore, StoredRecord } from '../ports.ts';
import { type AccountDoc, toAccount } from './accounts.ts';

interface RecordDoc {
  /** `<kind>:<id>` */
  _id: string;
  kind: string;
  /** JSON text: oidc-provider payloads may hold keys MongoDB does not accept */
  payload: string;
  /** a Date, so a TTL index can use it where the server has them */
  expiresAt: Date | null;
  consumedAt: number | null;
  grantId?: string;
  uid?: string;
  userCode?: string;
  accountId?: string;
}

const toRecord = (doc: RecordDoc): StoredRecord => ({
  payload: JSON.parse(doc.payload) as Record<string, unknown>,
  expiresAt: doc.expiresAt ? doc.expiresAt.getTime() : null,
  // FerretDB v1 leaves out a null set on insert; a missing field means not consumed
  consumedAt: doc.consumedAt ?? null,
});

export function mongoRecords(db: Db, clock: Clock): RecordStore {
  const records = db.collection<RecordDoc>('records');
  const idOf = (kind: string, id: string) => `${kind}:${id}`;
  /** expiry is checked on every read: a TTL index may be missing or late */
  const live = (): Filter<RecordDoc> => ({ $or: [{ expiresAt: null }, { expiresAt: { $gt: new Date(clock.now()) } }] });

  /** The update that saves a record, keeping consumedAt across upserts as the SQLite adapter does. */
  const saving = (kind: string, id: string, payload: Record<string, unknown>, expiresAt: number | null, index: RecordIndex = {}) => {
    const doc: RecordDoc = {
      _id: idOf(kind, id),
      kind,
      payload: JSON.stringify(payload),
      expiresAt: expiresAt === null ? null : new Date(expiresAt),
      consumedAt: null,
      ...(index.grantId ? { grantId: index.grantId } : {}),
      ...(index.uid ? { uid: index.uid } : {}),
      ...(index.userCode ? { userCode: index.userCode } : {}),
      ...(index.accountId ? { accountId: index.accountId } : {}),
    };
    const { _id, consumedAt: _kept, ...replacement } = doc;
    return { filter: { _id }, update: { $set: replacement, $unset: unsetMissing(index), $setOnInsert: { consumedAt: null } } };
  };

  return {
    async upsert(kind, id, payload, expiresAt, index = {}) {
      const { filter, update } = saving(kind, id, payload, expiresAt, index);
      await records.updateOne(filter, update, { upsert: true });
    },
    async write(batch) {
      if (batch.length === 0) return;
      // One ordered bulk write of updates only, so one update command (the driver sends a delete
      // among updates as a command of its own). A destroy empties the record and ends it at
      // once: no read returns it from then on, and the sweeper and the TTL index delete it.
      await records.bulkWrite(
        batch.map((w) =>
          w.op === 'destroy'
            ? {
                updateOne: {
                  filter: { _id: idOf(w.kind, w.id) },
                  update: { $set: { payload: '{}', expiresAt: new Date(0), consumedAt: null }, $unset: unsetMissing({}) },
                },
              }
            : { updateOne: { ...saving(w.kind, w.id, w.payload, w.expiresAt, w.index), upsert: true } },
        ),
        { ordered: true },
      );
    },
    async find(kind, id) {
      const doc = await records.findOne({ _id: idOf(kind, id), ...live() });
      return doc ? toRecord(doc) : null;
    },
    async findMany(keys) {
      const docs = await records.find({ _id: { $in: keys.map(({ kind, id }) => idOf(kind, id)) }, ...live() }).toArray();
      return keys.map(({ kind, id }) => {
        const doc = docs.find((d) => d._id === idOf(kind, id));
        return doc ? toRecord(doc) : null;
      });
    },
    async findWithAccount(kind, id) {
      // one aggregate: the record, and its account by the accounts' primary key
      const [doc] = await records
        .aggregate<RecordDoc & { recordAccount: AccountDoc[] }>([
          { $match: { _id: idOf(kind, id), ...live() } },
          { $lookup: { from: 'accounts', localField: 'accountId', foreignField: '_id', as: 'recordAccount' } },
        ])
        .toArray();
      if (!doc) return { record: null, account: null };
      const { recordAccount, ...record } = doc;
      return { record: toRecord(record), account: recordAccount[0] ? toAccount(recordAccount[0]) : null };
    },
    async findBy(kind, field, value) {
      const doc = await records.findOne({ kind, [field]: value, ...live() });
      return doc ? toRecord(doc) : null;
    },
    async consume(kind, id, at) {
      const result = await records.updateOne({ _id: idOf(kind, id), consumedAt: null, ...live() }, { $set: { consumedAt: at } });
      return result.modifiedCount === 1;
    },
    async destroy(kind, id) {
      await records.deleteOne({ _id: idOf(kind, id) });
    },
    async revokeByGrantId(kind, grantId) {
      await records.deleteMany({ kind, grantId });
    },
    async revokeByAccountId(accountId) {
      return (await records.deleteMany({ accountId })).deletedCount;
    },
    async sweep() {
      return (await records.deleteMany({ expiresAt: { $ne: null, $lte: new Date(clock.now()) } })).deletedCount;
    },
  };
}

/** Secondary keys absent from this upsert are removed, so a stale uid never matches. */
function unsetMissing(index: RecordIndex): Record<string, ''> {
  const out: Record<string, ''> = {};
  for (const key of ['grantId', 'uid', 'userCode', 'accountId'] as const) if (!index[key]) out[key] = '';
  return out;
}
