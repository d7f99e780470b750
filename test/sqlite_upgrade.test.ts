import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { systemClock } from '../src/clock.ts';
import { openDatabase } from '../src/store/sqlite/database.ts';
import { openSqliteStore } from '../src/store/sqlite/index.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'stepup-upgrade-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/**
 * A file as versions before the plugin left it: factors and recovery codes tied to the accounts
 * table, and user_version 0 (releases before numbered steps never set it).
 */
function fileOfEarlierVersion(path: string) {
  openDatabase(path, systemClock).close();
  const db = new DatabaseSync(path);
  db.exec(`
    DROP TABLE factors; DROP TABLE recovery_codes;
    CREATE TABLE factors (id TEXT PRIMARY KEY, account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE, kind TEXT NOT NULL,
      secret_ciphertext TEXT, target TEXT, confirmed_at INTEGER, last_time_step INTEGER, created_at INTEGER NOT NULL);
    CREATE INDEX factors_account ON factors(account_id);
    CREATE TABLE recovery_codes (account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE, code_hash TEXT NOT NULL,
      used_at INTEGER, created_at INTEGER NOT NULL, PRIMARY KEY (account_id, code_hash));
    INSERT INTO accounts (id, email, phone, password_hash, disabled, created_at) VALUES ('a1', 'a@example.com', NULL, 'x', 0, 1);
    INSERT INTO factors VALUES ('f1', 'a1', 'totp', 'sealed', NULL, 5, 7, 1);
    INSERT INTO recovery_codes VALUES ('a1', 'hash-1', NULL, 1);
    PRAGMA user_version = 0;
  `);
  db.close();
}

test("an earlier version's file loses the foreign keys from factors and recovery codes, keeping every row and index", async () => {
  const path = join(dir, 'stepup.db');
  fileOfEarlierVersion(path);
  const store = openSqliteStore(path, systemClock);
  try {
    expect(await store.factors.listForAccount('a1')).toEqual([
      { id: 'f1', accountId: 'a1', kind: 'totp', secretCiphertext: 'sealed', target: null, confirmedAt: 5, lastTimeStep: 7, createdAt: 1 },
    ]);
    expect(await store.recoveryCodes.countUnused('a1')).toBe(1);
    // a host's person has no row in accounts
    await store.factors.add({
      id: 'f2',
      accountId: 'host-person',
      kind: 'email',
      secretCiphertext: null,
      target: 'p@example.com',
      confirmedAt: 9,
      lastTimeStep: null,
      createdAt: 9,
    });
    expect((await store.factors.listForAccount('host-person')).map((f) => f.id)).toEqual(['f2']);
  } finally {
    await store.close();
  }
  const db = new DatabaseSync(path);
  expect(db.prepare('PRAGMA foreign_key_list(factors)').all()).toEqual([]);
  expect(db.prepare('PRAGMA foreign_key_list(recovery_codes)').all()).toEqual([]);
  expect(db.prepare("SELECT tbl_name FROM sqlite_master WHERE name = 'factors_account'").all()).toEqual([{ tbl_name: 'factors' }]);
  db.close();
});
