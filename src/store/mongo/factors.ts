import type { ClientSession, Db } from 'mongodb';
import type { Factor, FactorStore } from '../ports.ts';

export type FactorDoc = Omit<Factor, 'id'> & { _id: string };

export const toFactor = ({ _id, ...rest }: FactorDoc): Factor => ({ id: _id, ...rest });
export const toFactorDoc = ({ id, ...rest }: Factor): FactorDoc => ({ _id: id, ...rest });

/** With a session, every operation belongs to its transaction. */
export function mongoFactors(db: Db, session?: ClientSession): FactorStore {
  const factors = db.collection<FactorDoc>('factors');
  const options = { session };
  return {
    async add(factor) {
      await factors.insertOne(toFactorDoc(factor), options);
    },
    async find(id) {
      const doc = await factors.findOne({ _id: id }, options);
      return doc ? toFactor(doc) : null;
    },
    async listForAccount(accountId) {
      return (await factors.find({ accountId }, options).sort({ createdAt: 1 }).toArray()).map(toFactor);
    },
    async remove(id) {
      await factors.deleteOne({ _id: id }, options);
    },
    async removeUnconfirmed() {
      return (await factors.deleteMany({ confirmedAt: null }, options)).deletedCount;
    },
    async acceptTimeStep(id, timeStep) {
      // one conditional update: MongoDB applies it atomically to the one document
      const result = await factors.updateOne(
        { _id: id, $or: [{ lastTimeStep: null }, { lastTimeStep: { $lt: timeStep } }] },
        { $set: { lastTimeStep: timeStep } },
        options,
      );
      return result.modifiedCount === 1;
    },
  };
}
