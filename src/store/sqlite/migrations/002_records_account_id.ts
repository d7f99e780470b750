import { columnsOf, type SqliteStep } from './step.ts';

/** Records carry their account, so all of an account's sessions and grants end together. */
export const recordsAccountId: SqliteStep = {
  version: 2,
  name: 'records_account_id',
  up(db) {
    if (!columnsOf(db, 'records').includes('account_id')) db.exec('ALTER TABLE records ADD COLUMN account_id TEXT');
    db.exec('CREATE INDEX IF NOT EXISTS records_account ON records(account_id) WHERE account_id IS NOT NULL');
  },
};
