import { type Db, MongoBulkWriteError } from 'mongodb';
import type { Clock } from '../../clock.ts';
import type { CounterStore } from '../ports.ts';
import { isDuplicateKey } from './database.ts';

interface CounterDoc {
  _id: string;
  count: number;
  expiresAt: number;
}

export function mongoCounters(db: Db, clock: Clock): CounterStore {
  const counters = db.collection<CounterDoc>('counters');
  return {
    async hit(key, windowMs) {
      const now = clock.now();
      // one round trip when the window is live (one more) or there is none (inserted with 1)
      try {
        const doc = await counters.findOneAndUpdate(
          { _id: key, expiresAt: { $gt: now } },
          { $inc: { count: 1 }, $setOnInsert: { expiresAt: now + windowMs } },
          { upsert: true, returnDocument: 'after' },
        );
        if (!doc) throw new Error(`the counter ${key} was upserted but not returned`);
        return { count: doc.count, expiresAt: doc.expiresAt };
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
      }
      // the key exists: its window ended (start anew, unless another process just did), or
      // another process inserted it a moment ago (count in its window)
      const fresh = { count: 1, expiresAt: now + windowMs };
      const replaced = await counters.updateOne({ _id: key, expiresAt: { $lte: now } }, { $set: fresh });
      return replaced.modifiedCount === 1 ? fresh : this.hit(key, windowMs);
    },
    async hitAll(hits) {
      const now = clock.now();
      // One bulk write: each key counted while its window is live and under its limit, or
      // inserted with 1 when it has none. A key refused as a duplicate exists but its window
      // ended or it is at its limit (or another process inserted it a moment ago): counted
      // one by one, as hit does, in a round trip of its own.
      const retry = new Set<number>();
      const statements = hits.map(({ key, windowMs, limit }) => ({
        updateOne: {
          filter: { _id: key, expiresAt: { $gt: now }, count: { $lt: limit } },
          update: { $inc: { count: 1 }, $setOnInsert: { expiresAt: now + windowMs } },
          upsert: true,
        },
      }));
      try {
        if (statements.length > 0) await counters.bulkWrite(statements, { ordered: false });
      } catch (error) {
        if (!(error instanceof MongoBulkWriteError)) throw error;
        const writeErrors = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
        for (const writeError of writeErrors) {
          if (!isDuplicateKey(writeError)) throw error;
          retry.add(writeError.index);
        }
      }
      return Promise.all(
        hits.map(async ({ key, windowMs, limit }, i) => {
          if (!retry.has(i)) return null;
          const state = await this.hit(key, windowMs);
          return state.count > limit ? state : null;
        }),
      );
    },
    async peek(key) {
      const doc = await counters.findOne({ _id: key, expiresAt: { $gt: clock.now() } });
      return doc ? { count: doc.count, expiresAt: doc.expiresAt } : null;
    },
    async clear(...keys) {
      await counters.deleteMany({ _id: { $in: keys } });
    },
    async sweep() {
      return (await counters.deleteMany({ expiresAt: { $lte: clock.now() } })).deletedCount;
    },
  };
}
