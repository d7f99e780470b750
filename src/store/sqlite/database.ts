import { DatabaseSync } from 'node:sqlite';
import { type LockoutState, lockoutStateEnd } from '../ports.ts';

const schema = `
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

/** Opens (creating when new) the embedded database file with its schema. */
export function openDatabase(path: string): DatabaseSync {
  const db = new DatabaseSync(path);
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = NORMAL');
  // Checkpoint every 10,000 pages (about 40 MB) rather than 1,000: a page written by many
  // sign-ins in between is copied and synced once, and writes cost about a quarter less. The
  // WAL file is cut back to 64 MB after a checkpoint. (A memory map for reads was tried: it
  // saves little and counts the whole file in the process's resident memory.)
  db.exec('PRAGMA wal_autocheckpoint = 10000');
  db.exec('PRAGMA journal_size_limit = 67108864');
  db.exec('PRAGMA foreign_keys = ON');
  // several server processes may share the file
  db.exec('PRAGMA busy_timeout = 5000');
  db.exec(schema);
  upgrade(db);
  return db;
}

/** Columns added after a release; files created by older versions get them here. */
function upgrade(db: DatabaseSync): void {
  const columns = (db.prepare('PRAGMA table_info(records)').all() as { name: string }[]).map((c) => c.name);
  if (!columns.includes('account_id')) db.exec('ALTER TABLE records ADD COLUMN account_id TEXT');
  const accountColumns = (db.prepare('PRAGMA table_info(accounts)').all() as { name: string }[]).map((c) => c.name);
  if (!accountColumns.includes('email_verified')) db.exec('ALTER TABLE accounts ADD COLUMN email_verified INTEGER NOT NULL DEFAULT 0');
  if (!accountColumns.includes('profile')) db.exec("ALTER TABLE accounts ADD COLUMN profile TEXT NOT NULL DEFAULT '{}'");
  if (!accountColumns.includes('profile_updated_at')) db.exec('ALTER TABLE accounts ADD COLUMN profile_updated_at INTEGER');
  if (!accountColumns.includes('roles')) db.exec("ALTER TABLE accounts ADD COLUMN roles TEXT NOT NULL DEFAULT '[]'");
  db.exec('CREATE INDEX IF NOT EXISTS records_account ON records(account_id) WHERE account_id IS NOT NULL');
  // passkeys: the credential id (unique across accounts) and the credential as JSON
  const factorColumns = (db.prepare('PRAGMA table_info(factors)').all() as { name: string }[]).map((c) => c.name);
  if (!factorColumns.includes('credential_id')) db.exec('ALTER TABLE factors ADD COLUMN credential_id TEXT');
  if (!factorColumns.includes('passkey')) db.exec('ALTER TABLE factors ADD COLUMN passkey TEXT');
  // a code may now go to a factor still being enrolled, which has no row yet: codes live two
  // minutes, so the table is made again without its foreign key rather than copied
  if ((db.prepare('PRAGMA foreign_key_list(issued_codes)').all() as unknown[]).length > 0) {
    db.exec('DROP TABLE issued_codes');
    db.exec(schema);
  }
  // as a plugin, the people whose factors these are live in the host's store, not in accounts:
  // the tables are made again without their foreign key, rows copied, in one transaction
  for (const table of ['factors', 'recovery_codes']) {
    if ((db.prepare(`PRAGMA foreign_key_list(${table})`).all() as unknown[]).length === 0) continue;
    db.exec('BEGIN IMMEDIATE');
    try {
      db.exec(`ALTER TABLE ${table} RENAME TO ${table}_before`);
      db.exec(schema);
      db.exec(`INSERT INTO ${table} SELECT * FROM ${table}_before`);
      db.exec(`DROP TABLE ${table}_before`);
      // its indexes went with the old table
      db.exec(schema);
      db.exec('COMMIT');
    } catch (error) {
      db.exec('ROLLBACK');
      throw error;
    }
  }
  // lockout state moved from four counters per subject to one row: live ones are carried over
  if (db.prepare("SELECT 1 FROM counters WHERE key LIKE 'lock%' OR key LIKE 'attempts:%' LIMIT 1").get()) {
    db.exec('BEGIN IMMEDIATE');
    try {
      carryOverLockoutCounters(db, Date.now());
      db.exec('COMMIT');
    } catch (error) {
      db.exec('ROLLBACK');
      throw error;
    }
  }
  // after the tables are made again, which drops their indexes
  db.exec('CREATE UNIQUE INDEX IF NOT EXISTS factors_credential ON factors(credential_id) WHERE credential_id IS NOT NULL');
}

// SQLite extended result codes
const SQLITE_CONSTRAINT_PRIMARYKEY = 1555;
const SQLITE_CONSTRAINT_UNIQUE = 2067;

/** Checked by code, not `instanceof`: errors from node:sqlite may come from another realm. */
export function isUniqueViolation(error: unknown): boolean {
  const errcode = (error as { errcode?: unknown } | null)?.errcode;
  return errcode === SQLITE_CONSTRAINT_UNIQUE || errcode === SQLITE_CONSTRAINT_PRIMARYKEY;
}

/**
 * Merges the earlier version's lockout counters into the subjects' rows. A subject may have a
 * row already (a process of this version counted it while one of the earlier version locked
 * it): the later lock and the larger live count of each part win.
 */
function carryOverLockoutCounters(db: DatabaseSync, now: number): void {
  const old = db.prepare("SELECT key, count, expires_at FROM counters WHERE (key LIKE 'lock%' OR key LIKE 'attempts:%') AND expires_at > ?").all(now) as {
    key: string;
    count: number;
    expires_at: number;
  }[];
  const read = db.prepare('SELECT state FROM lockout_states WHERE subject = ?');
  const write = db.prepare(`INSERT INTO lockout_states (subject, state, expires_at) VALUES (?, ?, ?)
    ON CONFLICT (subject) DO UPDATE SET state = excluded.state, expires_at = excluded.expires_at`);
  const states = new Map<string, LockoutState>();
  const stateOf = (subject: string): LockoutState => {
    if (!states.has(subject)) {
      const row = read.get(subject) as { state: string } | undefined;
      states.set(subject, row ? (JSON.parse(row.state) as LockoutState) : {});
    }
    return states.get(subject)!;
  };
  for (const { key, count, expires_at: expiresAt } of old) {
    const [, prefix, subject] = /^(lock|lockouts|attempts:password|attempts:second_factor):(.*)$/s.exec(key) ?? [];
    if (!prefix || subject === undefined) continue;
    const state = stateOf(subject);
    if (prefix === 'lock') {
      state.lockedUntil = Math.max(state.lockedUntil ?? 0, expiresAt);
      continue;
    }
    const part = prefix === 'lockouts' ? 'lockouts' : prefix === 'attempts:password' ? 'password' : 'second_factor';
    const current = state[part];
    if (!current || current.expiresAt <= now || current.count < count) state[part] = { count, expiresAt };
  }
  for (const [subject, state] of states) {
    write.run(subject, JSON.stringify(state), lockoutStateEnd(state));
  }
  db.exec("DELETE FROM counters WHERE key LIKE 'lock:%' OR key LIKE 'lockouts:%' OR key LIKE 'attempts:%'");
}
