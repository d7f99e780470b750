import type { RecordIndex, RecordStore, StoredRecord } from '../store/ports.ts';
import type { Cipher } from './cipher.ts';
import { keyedHash } from './keyed_hash.ts';

/**
 * The record store as every caller sees it. Record ids are bearer secrets (session cookies,
 * codes, access and refresh tokens, interaction ids), so the store underneath holds each id,
 * and the uid or user code a record is found by, only as a keyed hash, and each payload
 * (which repeats the id as `jti`, a session's cookie, a `returnTo` URL) only encrypted: a
 * copy of the database lets nobody present a token or ride a session. Kinds, grant and
 * account ids stay readable: revocation looks records up by them, and they unlock nothing.
 */
/** The setting that says until when records written in clear by an older version may be read. */
export const clearRecordsUntilKey = 'records.clearUntil';

/** `mayHoldClearRecords`: false once no record written before ids were hashed can be live. */
export function sealedRecords(records: RecordStore, cipher: Cipher, mayHoldClearRecords: () => boolean): RecordStore {
  const hash = (kind: string, part: string, value: string) => keyedHash(cipher.hashKey, `record ${kind} ${part} ${value}`);
  const idOf = (kind: string, id: string) => hash(kind, 'id', id);
  const seal = (payload: Record<string, unknown>) => ({ sealed: cipher.encrypt(JSON.stringify(payload)) });
  const isSealed = (record: StoredRecord) => typeof record.payload.sealed === 'string';
  const open = (record: StoredRecord | null): StoredRecord | null =>
    record && { ...record, payload: JSON.parse(cipher.decrypt(record.payload.sealed as string)) as Record<string, unknown> };
  const sealIndex = (kind: string, { uid, userCode, ...rest }: RecordIndex): RecordIndex => ({
    ...rest,
    ...(uid ? { uid: hash(kind, 'uid', uid) } : {}),
    ...(userCode ? { userCode: hash(kind, 'userCode', userCode) } : {}),
  });

  // Records written in clear before ids were hashed are still read, consumed and destroyed
  // under their own id until they expire, so an upgrade signs nobody out. A sealed record is
  // never taken for one: its stored id is a hash, not something a client can present. Once
  // none can be live, a miss costs no second read.
  const legacy = (record: StoredRecord | null) => (record && !isSealed(record) ? record : null);
  const findLegacy = async (kind: string, id: string) => (mayHoldClearRecords() ? legacy(await records.find(kind, id)) : null);

  return {
    async upsert(kind, id, payload, expiresAt, index = {}) {
      await records.upsert(kind, idOf(kind, id), seal(payload), expiresAt, sealIndex(kind, index));
    },
    async find(kind, id) {
      return open(await records.find(kind, idOf(kind, id))) ?? (await findLegacy(kind, id));
    },
    async findMany(keys) {
      const found = await records.findMany(keys.map(({ kind, id }) => ({ kind, id: idOf(kind, id) })));
      return Promise.all(keys.map(async ({ kind, id }, i) => open(found[i] ?? null) ?? (await findLegacy(kind, id))));
    },
    async findWithAccount(kind, id) {
      const { record, account } = await records.findWithAccount(kind, idOf(kind, id));
      const opened = open(record);
      // a record written in clear before ids were hashed: read as before, its account apart
      return opened ? { record: opened, account } : { record: await findLegacy(kind, id), account: null };
    },
    async findBy(kind, field, value) {
      const found = open(await records.findBy(kind, field, hash(kind, field, value)));
      return found ?? (mayHoldClearRecords() ? legacy(await records.findBy(kind, field, value)) : null);
    },
    async consume(kind, id, at) {
      if (await records.consume(kind, idOf(kind, id), at)) return true;
      if (!mayHoldClearRecords() || (await records.find(kind, idOf(kind, id)))) return false;
      return (await findLegacy(kind, id)) !== null && records.consume(kind, id, at);
    },
    async destroy(kind, id) {
      await records.destroy(kind, idOf(kind, id));
      if (await findLegacy(kind, id)) await records.destroy(kind, id);
    },
    async write(batch) {
      await records.write(
        batch.map((w) =>
          w.op === 'destroy'
            ? { ...w, id: idOf(w.kind, w.id) }
            : { ...w, id: idOf(w.kind, w.id), payload: seal(w.payload), index: sealIndex(w.kind, w.index ?? {}) },
        ),
      );
      for (const w of batch) if (w.op === 'destroy' && (await findLegacy(w.kind, w.id))) await records.destroy(w.kind, w.id);
    },
    revokeByGrantId: (kind, grantId) => records.revokeByGrantId(kind, grantId),
    revokeByAccountId: (accountId) => records.revokeByAccountId(accountId),
    sweep: () => records.sweep(),
  };
}
