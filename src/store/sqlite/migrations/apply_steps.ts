import type { DatabaseSync } from 'node:sqlite';
import type { StepContext } from '../../schema_step.ts';
import type { SqliteStep } from './step.ts';

export const userVersion = (db: DatabaseSync) => Number((db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version);

/**
 * Runs the steps after the file's user_version and records the last. All in one transaction:
 * BEGIN IMMEDIATE takes the file's write lock, so of several processes opening it at once one
 * applies them and the others, finding user_version raised, apply none.
 */
export function applySteps(db: DatabaseSync, steps: SqliteStep[], context: StepContext): void {
  const latest = steps.at(-1)?.version ?? 0;
  // every start after the first: a read, no write lock
  if (userVersion(db) >= latest) return;
  db.exec('BEGIN IMMEDIATE');
  try {
    const current = userVersion(db);
    for (const step of steps) if (step.version > current) step.up(db, context);
    if (latest > current) db.exec(`PRAGMA user_version = ${latest}`);
    db.exec('COMMIT');
  } catch (error) {
    // some errors end the transaction themselves
    if (db.isTransaction) db.exec('ROLLBACK');
    throw error;
  }
}
