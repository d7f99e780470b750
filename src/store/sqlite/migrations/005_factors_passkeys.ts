import { columnsOf, type SqliteStep } from './step.ts';

/** Passkeys: the credential id (unique across accounts) and the credential as JSON. */
export const factorsPasskeys: SqliteStep = {
  version: 5,
  name: 'factors_passkeys',
  up(db) {
    const columns = columnsOf(db, 'factors');
    if (!columns.includes('credential_id')) db.exec('ALTER TABLE factors ADD COLUMN credential_id TEXT');
    if (!columns.includes('passkey')) db.exec('ALTER TABLE factors ADD COLUMN passkey TEXT');
    db.exec('CREATE UNIQUE INDEX IF NOT EXISTS factors_credential ON factors(credential_id) WHERE credential_id IS NOT NULL');
  },
};
