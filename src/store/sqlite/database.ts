import { DatabaseSync } from 'node:sqlite';
import type { Clock } from '../../clock.ts';
import { type StepContext, silentStepLogger } from '../schema_step.ts';
import { applySteps } from './migrations/apply_steps.ts';
import { sqliteSteps } from './migrations/index.ts';

/** Opens (creating when new) the embedded database file, bringing its layout up to date. */
export function openDatabase(path: string, clock: Clock, logger: StepContext['logger'] = silentStepLogger): DatabaseSync {
  const db = new DatabaseSync(path);
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = NORMAL');
  // A thread checkpoints twice a second (wal_checkpoints.ts); a commit checkpoints only as a
  // backstop, past 10,000 pages (about 40 MB) rather than SQLite's 1,000. The WAL file is cut
  // back to 64 MB after a checkpoint. (A memory map for reads was tried: it saves little and
  // counts the whole file in the process's resident memory.)
  db.exec('PRAGMA wal_autocheckpoint = 10000');
  db.exec('PRAGMA journal_size_limit = 67108864');
  db.exec('PRAGMA foreign_keys = ON');
  // several server processes may share the file
  db.exec('PRAGMA busy_timeout = 5000');
  applySteps(db, sqliteSteps, { now: clock.now(), logger });
  return db;
}

// SQLite extended result codes
const SQLITE_CONSTRAINT_PRIMARYKEY = 1555;
const SQLITE_CONSTRAINT_UNIQUE = 2067;

/** Checked by code, not `instanceof`: errors from node:sqlite may come from another realm. */
export function isUniqueViolation(error: unknown): boolean {
  const errcode = (error as { errcode?: unknown } | null)?.errcode;
  return errcode === SQLITE_CONSTRAINT_UNIQUE || errcode === SQLITE_CONSTRAINT_PRIMARYKEY;
}
