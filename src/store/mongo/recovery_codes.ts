import type { Db } from 'mongodb';
import type { RecoveryCodeStore } from '../ports.ts';

interface RecoveryCodeDoc {
  /** `<accountId>:<codeHash>` */
  _id: string;
  accountId: string;
  usedAt: number | null;
  createdAt: number;
}

const idOf = (accountId: string, codeHash: string) => `${accountId}:${codeHash}`;

export function mongoRecoveryCodes(db: Db): RecoveryCodeStore {
  const codes = db.collection<RecoveryCodeDoc>('recovery_codes');
  return {
    async replace(accountId, codeHashes, at) {
      // without a transaction: a crash in between leaves no codes, never old and new mixed
      await codes.deleteMany({ accountId });
      if (codeHashes.length) {
        await codes.insertMany(codeHashes.map((hash) => ({ _id: idOf(accountId, hash), accountId, usedAt: null, createdAt: at })));
      }
    },
    async consume(accountId, codeHash, at) {
      const result = await codes.updateOne({ _id: idOf(accountId, codeHash), usedAt: null }, { $set: { usedAt: at } });
      return result.modifiedCount === 1;
    },
    async countUnused(accountId) {
      return codes.countDocuments({ accountId, usedAt: null });
    },
  };
}
