import type { Db } from 'mongodb';
import type { Clock } from '../../clock.ts';
import type { IssuedCode } from '../../model/factor.ts';
import type { IssuedCodeStore } from '../ports.ts';

type IssuedCodeDoc = Omit<IssuedCode, 'factorId'> & { _id: string };

const toCode = ({ _id, ...rest }: IssuedCodeDoc): IssuedCode => ({ factorId: _id, ...rest });

export function mongoIssuedCodes(db: Db, clock: Clock): IssuedCodeStore {
  const codes = db.collection<IssuedCodeDoc>('issued_codes');
  return {
    async issue({ factorId, ...code }) {
      await codes.replaceOne({ _id: factorId }, { ...code, attempts: 0, consumedAt: null }, { upsert: true });
    },
    async findLive(factorId) {
      const doc = await codes.findOne({ _id: factorId, consumedAt: null, expiresAt: { $gt: clock.now() } });
      return doc ? toCode(doc) : null;
    },
    async addAttempt(factorId) {
      const doc = await codes.findOneAndUpdate({ _id: factorId }, { $inc: { attempts: 1 } }, { returnDocument: 'after' });
      return doc?.attempts ?? 0;
    },
    async consume(factorId, codeHash, maxAttempts, at) {
      const result = await codes.updateOne(
        { _id: factorId, codeHash, consumedAt: null, expiresAt: { $gt: clock.now() }, attempts: { $lt: maxAttempts } },
        { $set: { consumedAt: at } },
      );
      return result.modifiedCount === 1;
    },
    async sweep() {
      return (await codes.deleteMany({ expiresAt: { $lte: clock.now() } })).deletedCount;
    },
  };
}
