import type { SqliteStep } from './step.ts';

/** Enrolments now belong to one sign-in attempt; those an earlier version kept per account go. */
export const unconfirmedFactorsRemoved: SqliteStep = {
  version: 9,
  name: 'unconfirmed_factors_removed',
  up(db, { logger }) {
    const abandoned = Number(db.prepare('DELETE FROM factors WHERE confirmed_at IS NULL').run().changes);
    if (abandoned > 0) logger.info({ abandoned }, 'removed unfinished enrolments left by an earlier version');
  },
};
