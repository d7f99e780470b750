import type { ClientSession, Db } from 'mongodb';
import type { Factor } from '../../model/factor.ts';
import { DuplicateError, type FactorStore } from '../ports.ts';
import { isDuplicateKey } from './database.ts';

export type FactorDoc = Omit<Factor, 'id'> & { _id: string };

export const toFactor = ({ _id, ...rest }: FactorDoc): Factor => ({ id: _id, ...rest });
export const toFactorDoc = ({ id, ...rest }: Factor): FactorDoc => ({ _id: id, ...rest });

/** With a session, every operation belongs to its transaction. */
export function mongoFactors(db: Db, session?: ClientSession): FactorStore {
  const factors = db.collection<FactorDoc>('factors');
  const options = { session };
  return {
    async add(factor) {
      await factors.insertOne(toFactorDoc(factor), options).catch((error: unknown) => {
        if (isDuplicateKey(error)) throw new DuplicateError('this factor or credential is registered already');
        throw error;
      });
    },
    async find(id) {
      const doc = await factors.findOne({ _id: id }, options);
      return doc ? toFactor(doc) : null;
    },
    async findByCredentialId(credentialId) {
      const doc = await factors.findOne({ 'passkey.credentialId': credentialId }, options);
      return doc ? toFactor(doc) : null;
    },
    async listForAccount(accountId) {
      return (await factors.find({ accountId }, options).sort({ createdAt: 1 }).toArray()).map(toFactor);
    },
    async remove(id) {
      await factors.deleteOne({ _id: id }, options);
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
    async acceptPasskeyUse(id, counter, at) {
      const counted = counter === 0 ? { 'passkey.counter': 0 } : { 'passkey.counter': { $lt: counter } };
      const result = await factors.updateOne({ _id: id, ...counted }, { $set: { 'passkey.counter': counter, 'passkey.lastUsedAt': at } }, options);
      return result.modifiedCount === 1;
    },
    async renamePasskey(id, name) {
      const result = await factors.updateOne({ _id: id, passkey: { $exists: true } }, { $set: { 'passkey.name': name } }, options);
      return result.matchedCount === 1;
    },
  };
}
