import type { Db, Document } from 'mongodb';
import { isDuplicateKey } from '../database.ts';
import { type LockoutDoc, latestEnd } from '../lockouts.ts';
import type { MongoStep } from './step.ts';

/** Lockout state moved from four counters per subject to one document: live ones are carried over. */
export const lockoutsFromCounters: MongoStep = {
  version: 2,
  name: 'lockouts_from_counters',
  up: (db, { now }) => carryOverLockoutCounters(db, now),
};

async function carryOverLockoutCounters(db: Db, now: number): Promise<void> {
  const counters = db.collection<{ _id: string; count: number; expiresAt: number }>('counters');
  const old = await counters.find({ _id: { $regex: /^(lock|lockouts|attempts:password|attempts:second_factor):/ } }).toArray();
  if (old.length === 0) return;
  const states = new Map<string, LockoutDoc>();
  for (const { _id, count, expiresAt } of old) {
    if (expiresAt <= now) continue;
    const match = /^(lock|lockouts|attempts:password|attempts:second_factor):(.*)$/s.exec(_id);
    if (!match) continue;
    const [, prefix, subject = ''] = match;
    const state = states.get(subject) ?? { _id: subject, expiresAt: 0 };
    if (prefix === 'lock') state.lockedUntil = expiresAt;
    else state[prefix === 'lockouts' ? 'lockouts' : prefix === 'attempts:password' ? 'password' : 'second_factor'] = { count, expiresAt };
    state.expiresAt = Math.max(state.expiresAt, expiresAt);
    states.set(subject, state);
  }
  const lockouts = db.collection<LockoutDoc>('lockouts');
  // A subject may have a record already (a process of this version counted it while one of the
  // earlier version locked it): the later lock and the larger live count of each part win.
  for (const state of states.values()) {
    const liveCount = (part: string) => ({ $cond: [{ $gt: [`$${part}.expiresAt`, now] }, `$${part}.count`, 0] });
    const merged: Document = { lockedUntil: { $max: ['$lockedUntil', state.lockedUntil ?? null] } };
    for (const part of ['lockouts', 'password', 'second_factor'] as const) {
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
