import type { MongoStep } from './step.ts';

/** Enrolments now belong to one sign-in attempt; those an earlier version kept per account go. */
export const unconfirmedFactorsRemoved: MongoStep = {
  version: 3,
  name: 'unconfirmed_factors_removed',
  async up(db, { logger }) {
    const abandoned = (await db.collection('factors').deleteMany({ confirmedAt: null })).deletedCount;
    if (abandoned > 0) logger.info({ abandoned }, 'removed unfinished enrolments left by an earlier version');
  },
};
