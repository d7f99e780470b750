import type { SqliteStep } from './step.ts';

/**
 * Every table and index as the last release before numbered steps made them, where missing: all
 * of them in a new file, those added since in an earlier version's. Files of those releases are
 * at user_version 0 with any of steps 1 to 9 done already, so each of these checks first.
 */
export const tablesSql = `
CREATE TABLE IF NOT EXISTS accounts (
  id TEXT PRIMARY KEY,
  email TEXT NOT NULL UNIQUE COLLATE NOCASE,
  phone TEXT,
  password_hash TEXT NOT NULL,
  disabled INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS clients (
  client_id TEXT PRIMARY KEY,
  metadata TEXT NOT NULL,
  secret_ciphertext TEXT,
  created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS factors (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  secret_ciphertext TEXT,
  target TEXT,
  confirmed_at INTEGER,
  last_time_step INTEGER,
  created_at INTEGER NOT NULL,
  credential_id TEXT,
  passkey TEXT
);
CREATE INDEX IF NOT EXISTS factors_account ON factors(account_id);
CREATE TABLE IF NOT EXISTS recovery_codes (
  account_id TEXT NOT NULL,
  code_hash TEXT NOT NULL,
  used_at INTEGER,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (account_id, code_hash)
);
CREATE TABLE IF NOT EXISTS issued_codes (
  factor_id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  code_hash TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  consumed_at INTEGER,
  created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS deliveries (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  channel TEXT NOT NULL,
  masked_to TEXT NOT NULL,
  purpose TEXT NOT NULL,
  result TEXT NOT NULL,
  reason TEXT,
  provider_message_id TEXT,
  fallback_from TEXT,
  status TEXT,
  created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS deliveries_account ON deliveries(account_id, created_at);
CREATE INDEX IF NOT EXISTS deliveries_time ON deliveries(created_at);
CREATE INDEX IF NOT EXISTS deliveries_provider_id ON deliveries(provider_message_id) WHERE provider_message_id IS NOT NULL;
CREATE TABLE IF NOT EXISTS counters (
  key TEXT PRIMARY KEY,
  count INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS lockout_states (
  subject TEXT PRIMARY KEY,
  state TEXT NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS lockout_states_expiry ON lockout_states(expires_at);
CREATE TABLE IF NOT EXISTS audit_events (
  id TEXT PRIMARY KEY,
  at INTEGER NOT NULL,
  type TEXT NOT NULL,
  account_id TEXT,
  email TEXT,
  client_id TEXT,
  ip TEXT,
  user_agent TEXT,
  channel TEXT,
  result TEXT NOT NULL,
  detail TEXT
);
CREATE INDEX IF NOT EXISTS audit_at ON audit_events(at);
CREATE INDEX IF NOT EXISTS audit_account ON audit_events(account_id, at);
CREATE TABLE IF NOT EXISTS records (
  kind TEXT NOT NULL,
  id TEXT NOT NULL,
  payload TEXT NOT NULL,
  expires_at INTEGER,
  consumed_at INTEGER,
  grant_id TEXT,
  uid TEXT,
  user_code TEXT,
  account_id TEXT,
  PRIMARY KEY (kind, id)
);
CREATE INDEX IF NOT EXISTS records_grant ON records(grant_id) WHERE grant_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS records_uid ON records(kind, uid) WHERE uid IS NOT NULL;
CREATE INDEX IF NOT EXISTS records_user_code ON records(kind, user_code) WHERE user_code IS NOT NULL;
CREATE INDEX IF NOT EXISTS records_expiry ON records(expires_at) WHERE expires_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
`;

export const tables: SqliteStep = {
  version: 1,
  name: 'tables',
  up: (db) => db.exec(tablesSql),
};
