import type { Db } from 'mongodb';
import type { Factor, FactorStore } from '../ports.ts';

export type FactorDoc = Omit<Factor, 'id'> & { _id: string };

export const toFactor = ({ _id, ...rest }: FactorDoc): Factor => ({ id: _id, ...rest });
export const toFactorDoc = ({ id, ...rest }: Factor): FactorDoc => ({ _id: id, ...rest });

export function mongoFactors(db: Db): FactorStore {
  const factors = db.collection<FactorDoc>('factors');
  return {
    async add(factor) {
      await factors.insertOne(toFactorDoc(factor));
    },
    async find(id) {
      const doc = await factors.findOne({ _id: id });
      return doc ? toFactor(doc) : null;
    },
    async listForAccount(accountId) {
      return (await factors.find({ accountId }).sort({ createdAt: 1 }).toArray()).map(toFactor);
    },
    async remove(id) {
      await factors.deleteOne({ _id: id });
    },
    async removeUnconfirmed() {
      return (await factors.deleteMany({ confirmedAt: null })).deletedCount;
    },
    async acceptTimeStep(id, timeStep) {
      // one conditional update: MongoDB applies it atomically to the one document
      const result = await factors.updateOne(
        { _id: id, $or: [{ lastTimeStep: null }, { lastTimeStep: { $lt: timeStep } }] },
        { $set: { lastTimeStep: timeStep } },
      );
      return result.modifiedCount === 1;
    },
  };
}
