import { columnsOf, type SqliteStep } from './step.ts';

export const accountsProfileAndRoles: SqliteStep = {
  version: 4,
  name: 'accounts_profile_and_roles',
  up(db) {
    const columns = columnsOf(db, 'accounts');
    if (!columns.includes('profile')) db.exec("ALTER TABLE accounts ADD COLUMN profile TEXT NOT NULL DEFAULT '{}'");
    if (!columns.includes('profile_updated_at')) db.exec('ALTER TABLE accounts ADD COLUMN profile_updated_at INTEGER');
    if (!columns.includes('roles')) db.exec("ALTER TABLE accounts ADD COLUMN roles TEXT NOT NULL DEFAULT '[]'");
  },
};
