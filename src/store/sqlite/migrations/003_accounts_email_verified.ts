import { columnsOf, type SqliteStep } from './step.ts';

export const accountsEmailVerified: SqliteStep = {
  version: 3,
  name: 'accounts_email_verified',
  up(db) {
    if (!columnsOf(db, 'accounts').includes('email_verified')) db.exec('ALTER TABLE accounts ADD COLUMN email_verified INTEGER NOT NULL DEFAULT 0');
  },
};
