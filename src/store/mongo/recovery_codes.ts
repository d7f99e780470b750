import type { ClientSession, Db } from 'mongodb';
import type { RecoveryCodeRow, RecoveryCodeStore } from '../ports.ts';

export interface RecoveryCodeDoc {
  /** `<accountId>:<codeHash>` */
  _id: string;
  accountId: string;
  usedAt: number | null;
  createdAt: number;
}

const idOf = (accountId: string, codeHash: string) => `${accountId}:${codeHash}`;

export const toRecoveryCodeDoc = (row: RecoveryCodeRow): RecoveryCodeDoc => ({
  _id: idOf(row.accountId, row.codeHash),
  accountId: row.accountId,
  usedAt: row.usedAt,
  createdAt: row.createdAt,
});

/** account ids never contain ':' (base64url), so the first ':' splits the id */
export function toRecoveryCodeRow(doc: RecoveryCodeDoc): RecoveryCodeRow {
  const split = doc._id.indexOf(':');
  return { accountId: doc._id.slice(0, split), codeHash: doc._id.slice(split + 1), usedAt: doc.usedAt, createdAt: doc.createdAt };
}

/** With a session, every operation belongs to its transaction. */
export function mongoRecoveryCodes(db: Db, session?: ClientSession): RecoveryCodeStore {
  const codes = db.collection<RecoveryCodeDoc>('recovery_codes');
  const options = { session };
  return {
    async replace(accountId, codeHashes, at) {
      // atomic only in a transaction; outside one a crash in between leaves no codes, never old and new mixed
      await codes.deleteMany({ accountId }, options);
      if (codeHashes.length) {
        await codes.insertMany(
          codeHashes.map((codeHash) => toRecoveryCodeDoc({ accountId, codeHash, usedAt: null, createdAt: at })),
          options,
        );
      }
    },
    async consume(accountId, codeHash, at) {
      const result = await codes.updateOne({ _id: idOf(accountId, codeHash), usedAt: null }, { $set: { usedAt: at } }, options);
      return result.modifiedCount === 1;
    },
    async countUnused(accountId) {
      return codes.countDocuments({ accountId, usedAt: null }, options);
    },
  };
}
