import type { DatabaseSync } from 'node:sqlite';
import type { StepContext } from '../../schema_step.ts';

/** One numbered change of the file's layout; `PRAGMA user_version` holds the last one applied. */
export interface SqliteStep {
  version: number;
  name: string;
  up(db: DatabaseSync, context: StepContext): void;
}

export const columnsOf = (db: DatabaseSync, table: string) =>
  (db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((column) => column.name);

export const hasForeignKeys = (db: DatabaseSync, table: string) => (db.prepare(`PRAGMA foreign_key_list(${table})`).all() as unknown[]).length > 0;
