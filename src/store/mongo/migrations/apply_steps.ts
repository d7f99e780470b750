import { setTimeout as sleep } from 'node:timers/promises';
import { type Collection, type Db, ObjectId } from 'mongodb';
import type { StepContext } from '../../schema_step.ts';
import { isDuplicateKey } from '../database.ts';
import type { MongoStep } from './step.ts';

/** A step taken (`owner` is the process applying it) or, once `appliedAt` is set, applied. */
export interface AppliedStepDoc {
  _id: number;
  name: string;
  owner: ObjectId;
  startedAt: number;
  appliedAt: number | null;
}

export const appliedSteps = (db: Db) => db.collection<AppliedStepDoc>('schema_migrations');

/**
 * Applies, in order, the steps `schema_migrations` does not record as applied. Several processes
 * may start at once on one database: a step's version is inserted (a unique _id) as a lock before
 * it runs, so one process applies it while the others wait until it is marked applied, and only
 * then go on to the next step or the indexes. A process that dies in a step leaves its lock: after
 * `staleMs` of waiting on the same owner another takes the lock over and runs the step again,
 * which is why every step is idempotent.
 */
export async function applySteps(db: Db, steps: MongoStep[], context: StepContext, { pollMs = 100, staleMs = 60_000 } = {}): Promise<void> {
  const applied = appliedSteps(db);
  for (const step of steps) {
    let seen: ObjectId | undefined;
    let waited = 0;
    for (;;) {
      const lock = await applied.findOne({ _id: step.version });
      if (lock && lock.appliedAt !== null) break;
      if (lock && !lock.owner.equals(seen)) {
        seen = lock.owner;
        waited = 0;
      }
      if (lock && waited < staleMs) {
        await sleep(pollMs);
        waited += pollMs;
        continue;
      }
      const owner = new ObjectId();
      // another process may take it first: then look again
      if (!(await take(applied, step, lock, owner, context.now))) continue;
      try {
        await step.up(db, context);
      } catch (error) {
        // the next start tries again
        await applied.deleteOne({ _id: step.version, owner });
        throw error;
      }
      await applied.updateOne({ _id: step.version, owner }, { $set: { appliedAt: context.now } });
      break;
    }
  }
}

/** Inserts the lock, or takes over the stale one `lock`; false when another process got there first. */
async function take(applied: Collection<AppliedStepDoc>, step: MongoStep, lock: AppliedStepDoc | null, owner: ObjectId, now: number): Promise<boolean> {
  if (lock) {
    const { modifiedCount } = await applied.updateOne({ _id: step.version, owner: lock.owner, appliedAt: null }, { $set: { owner, startedAt: now } });
    return modifiedCount === 1;
  }
  return applied.insertOne({ _id: step.version, name: step.name, owner, startedAt: now, appliedAt: null }).then(
    () => true,
    (error: unknown) => {
      if (!isDuplicateKey(error)) throw error;
      return false;
    },
  );
}
