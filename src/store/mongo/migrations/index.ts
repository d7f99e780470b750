import { recordsExpiryTtl } from './001_records_expiry_ttl.ts';
import { lockoutsFromCounters } from './002_lockouts_from_counters.ts';
import { unconfirmedFactorsRemoved } from './003_unconfirmed_factors_removed.ts';
import type { MongoStep } from './step.ts';

/** In order; a change is a new step at the end. Indexes are not steps: ensureIndexes makes them idempotently after. */
export const mongoSteps: MongoStep[] = [recordsExpiryTtl, lockoutsFromCounters, unconfirmedFactorsRemoved];
