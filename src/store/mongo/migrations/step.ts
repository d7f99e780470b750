import type { Db } from 'mongodb';
import type { StepContext } from '../../schema_step.ts';

/**
 * One numbered change of the database, recorded in `schema_migrations` once applied. A step
 * runs again when the process applying it died first (see apply_steps.ts), so each is idempotent.
 */
export interface MongoStep {
  version: number;
  name: string;
  up(db: Db, context: StepContext): Promise<void>;
}
