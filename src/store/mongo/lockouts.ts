import type { Db, Document } from 'mongodb';
import type { Clock } from '../../clock.ts';
import { type LockoutState, liveLockoutState } from '../../model/lockout.ts';
import type { LockoutStore } from '../ports.ts';
import { isDuplicateKey } from './database.ts';

export interface LockoutDoc extends LockoutState {
  _id: string;
  /** when nothing in it is live any more: the sweeper deletes it then */
  expiresAt: number;
}

const day = 24 * 60 * 60 * 1000;

/** `$field` when it is a live window, else a missing value. */
const liveWindow = (field: string, now: number) => ({ $cond: [{ $gt: [`$${field}.expiresAt`, now] }, `$${field}`, '$$REMOVE'] });
/** The window `$field` with one more in it, or a new one of `windowMs` at 1. */
const counted = (field: string, now: number, windowMs: number) => ({
  $cond: [
    { $gt: [`$${field}.expiresAt`, now] },
    { count: { $add: [`$${field}.count`, 1] }, expiresAt: `$${field}.expiresAt` },
    { count: 1, expiresAt: now + windowMs },
  ],
});
const notLocked = (now: number) => ({ $not: { $gt: [{ $ifNull: ['$lockedUntil', 0] }, now] } });
export const latestEnd = { $max: ['$lockedUntil', '$lockouts.expiresAt', '$password.expiresAt', '$second_factor.expiresAt'] };

/**
 * One document per subject. Counting and locking are single updates whose pipeline reads the
 * document as it is on the server, so concurrent requests on any process never lose a count
 * and only one of them locks.
 */
export function mongoLockouts(db: Db, clock: Clock): LockoutStore {
  const lockouts = db.collection<LockoutDoc>('lockouts');

  const live = (doc: LockoutDoc | null, now: number): LockoutState => (doc ? liveLockoutState(doc, now) : {});

  return {
    async get(subject) {
      const state = live(await lockouts.findOne({ _id: subject }), clock.now());
      return Object.keys(state).length ? state : null;
    },
    async attempt(subject, kind, windowMs) {
      const now = clock.now();
      const pipeline: Document[] = [
        { $set: { [kind]: { $cond: [notLocked(now), counted(kind, now, windowMs), liveWindow(kind, now)] } } },
        { $set: { expiresAt: latestEnd } },
      ];
      // No upsert: two upserts of a new document at once can lose a count on MongoDB-compatible
      // servers. A first attempt inserts; of two first ones, the one refused counts in the other.
      for (;;) {
        const updated = await lockouts.findOneAndUpdate({ _id: subject }, pipeline, { returnDocument: 'after' });
        if (updated) return live(updated, now);
        const counter = { count: 1, expiresAt: now + windowMs };
        try {
          await lockouts.insertOne({ _id: subject, [kind]: counter, expiresAt: counter.expiresAt });
          return { [kind]: counter };
        } catch (error) {
          if (!isDuplicateKey(error)) throw error;
        }
      }
    },
    async lock(subject, kind, limit, period) {
      const now = clock.now();
      const doc = await lockouts.findOneAndUpdate(
        { _id: subject, [`${kind}.count`]: { $gte: limit }, [`${kind}.expiresAt`]: { $gt: now }, lockedUntil: { $not: { $gt: now } } },
        [
          { $set: { lockouts: counted('lockouts', now, day) } },
          // lockMs in ports.ts: the base doubled for each earlier lockout in the day, capped (the
          // exponent too: 2^1100 is more than the server's numbers hold)
          {
            $set: {
              lockedUntil: {
                $add: [now, { $min: [{ $multiply: [period.baseMs, { $pow: [2, { $min: [{ $subtract: ['$lockouts.count', 1] }, 52] }] }] }, period.maxMs] }],
              },
              [kind]: '$$REMOVE',
            },
          },
          { $set: { expiresAt: latestEnd } },
        ],
        { returnDocument: 'after' },
      );
      return doc?.lockedUntil ?? null;
    },
    async clear(subject, cleared) {
      if (cleared === 'all') await lockouts.deleteOne({ _id: subject });
      else await lockouts.updateOne({ _id: subject }, { $unset: Object.fromEntries(cleared.map((part) => [part, ''])) });
    },
    async sweep() {
      return (await lockouts.deleteMany({ expiresAt: { $lte: clock.now() } })).deletedCount;
    },
  };
}
