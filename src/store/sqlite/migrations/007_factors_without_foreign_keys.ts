import { tablesSql } from './001_tables.ts';
import { hasForeignKeys, type SqliteStep } from './step.ts';

/**
 * As a plugin, the people whose factors these are live in the host's store, not in accounts: the
 * tables are made again without their foreign key and the rows copied (within the steps' one
 * transaction).
 */
export const factorsWithoutForeignKeys: SqliteStep = {
  version: 7,
  name: 'factors_without_foreign_keys',
  up(db) {
    for (const table of ['factors', 'recovery_codes']) {
      if (!hasForeignKeys(db, table)) continue;
      db.exec(`ALTER TABLE ${table} RENAME TO ${table}_before`);
      db.exec(tablesSql);
      db.exec(`INSERT INTO ${table} SELECT * FROM ${table}_before`);
      db.exec(`DROP TABLE ${table}_before`);
      // its indexes went with the old table
      db.exec(tablesSql);
      db.exec('CREATE UNIQUE INDEX IF NOT EXISTS factors_credential ON factors(credential_id) WHERE credential_id IS NOT NULL');
    }
  },
};
