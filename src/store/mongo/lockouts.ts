import type { Db, Document } from 'mongodb';
import type { Clock } from '../../clock.ts';
import { type LockoutState, type LockoutStore, liveLockoutState } from '../ports.ts';
import { isDuplicateKey } from './database.ts';

interface LockoutDoc extends LockoutState {
  _id: string;
  /** when nothing in it is live any more: the sweeper deletes it then */
  expiresAt: number;
}

const day = 24 * 60 * 60 * 1000;
const parts = ['lockouts', 'password', 'second_factor'] as const;

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
const latestEnd = { $max: ['$lockedUntil', '$lockouts.expiresAt', '$password.expiresAt', '$second_factor.expiresAt'] };

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

/** Lockout state moved from four counters per subject to one document: live ones are carried over. */
export async function carryOverLockoutCounters(db: Db): Promise<void> {
  const counters = db.collection<{ _id: string; count: number; expiresAt: number }>('counters');
  const old = await counters.find({ _id: { $regex: /^(lock|lockouts|attempts:password|attempts:second_factor):/ } }).toArray();
  if (old.length === 0) return;
  const now = Date.now();
  const states = new Map<string, LockoutDoc>();
  for (const { _id, count, expiresAt } of old) {
    if (expiresAt <= now) continue;
    const [, prefix, subject] = /^(lock|lockouts|attempts:password|attempts:second_factor):(.*)$/s.exec(_id)!;
    const state = states.get(subject!) ?? { _id: subject!, expiresAt: 0 };
    if (prefix === 'lock') state.lockedUntil = expiresAt;
    else state[prefix === 'lockouts' ? 'lockouts' : prefix === 'attempts:password' ? 'password' : 'second_factor'] = { count, expiresAt };
    state.expiresAt = Math.max(state.expiresAt, expiresAt);
    states.set(subject!, state);
  }
  const lockouts = db.collection<LockoutDoc>('lockouts');
  // A subject may have a record already (a process of this version counted it while one of the
  // earlier version locked it): the later lock and the larger live count of each part win.
  for (const state of states.values()) {
    const liveCount = (part: string) => ({ $cond: [{ $gt: [`$${part}.expiresAt`, now] }, `$${part}.count`, 0] });
    const merged: Document = { lockedUntil: { $max: ['$lockedUntil', state.lockedUntil ?? null] } };
    for (const part of parts) {
      const carried = state[part];
      if (carried) merged[part] = { $cond: [{ $gt: [carried.count, liveCount(part)] }, { $literal: carried }, `$${part}`] };
    }
    for (;;) {
      const { matchedCount } = await lockouts.updateOne({ _id: state._id }, [{ $set: merged }, { $set: { expiresAt: latestEnd } }]);
      if (matchedCount === 1) break;
      const inserted = await lockouts.insertOne(state).then(
        () => true,
        (error: unknown) => {
          if (!isDuplicateKey(error)) throw error;
          return false;
        },
      );
      if (inserted) break;
    }
  }
  await counters.deleteMany({ _id: { $in: old.map((counter) => counter._id) } });
}
