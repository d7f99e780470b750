import { tablesSql } from './001_tables.ts';
import { hasForeignKeys, type SqliteStep } from './step.ts';

/**
 * A code may go to a factor still being enrolled, which has no row yet: codes live two minutes,
 * so the table is made again without its foreign key rather than copied.
 */
export const issuedCodesWithoutForeignKey: SqliteStep = {
  version: 6,
  name: 'issued_codes_without_foreign_key',
  up(db) {
    if (!hasForeignKeys(db, 'issued_codes')) return;
    db.exec('DROP TABLE issued_codes');
    db.exec(tablesSql);
  },
};
