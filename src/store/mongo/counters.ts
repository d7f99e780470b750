import type { Db } from 'mongodb';
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
      // within a live window: one atomic increment
      const live = await counters.findOneAndUpdate({ _id: key, expiresAt: { $gt: now } }, { $inc: { count: 1 } }, { returnDocument: 'after' });
      if (live) return { count: live.count, expiresAt: live.expiresAt };
      // no window or an ended one: start anew, unless another process just did
      const fresh = { count: 1, expiresAt: now + windowMs };
      try {
        const replaced = await counters.updateOne({ _id: key, expiresAt: { $lte: now } }, { $set: fresh });
        if (replaced.modifiedCount === 0) await counters.insertOne({ _id: key, ...fresh });
        return fresh;
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        return this.hit(key, windowMs);
      }
    },
    async peek(key) {
      const doc = await counters.findOne({ _id: key, expiresAt: { $gt: clock.now() } });
      return doc ? { count: doc.count, expiresAt: doc.expiresAt } : null;
    },
    async clear(key) {
      await counters.deleteOne({ _id: key });
    },
    async sweep() {
      return (await counters.deleteMany({ expiresAt: { $lte: clock.now() } })).deletedCount;
    },
  };
}
