import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { MongoClient, ObjectId } from 'mongodb';
import pino from 'pino';
import { openMongoStore } from '../src/store/mongo/index.ts';
import { appliedSteps, applySteps as applyMongoSteps } from '../src/store/mongo/migrations/apply_steps.ts';
import { mongoSteps } from '../src/store/mongo/migrations/index.ts';
import type { MongoStep } from '../src/store/mongo/migrations/step.ts';
import { silentStepLogger } from '../src/store/schema_step.ts';
import { openDatabase } from '../src/store/sqlite/database.ts';
import { openSqliteStore } from '../src/store/sqlite/index.ts';
import { applySteps, userVersion } from '../src/store/sqlite/migrations/apply_steps.ts';
import { sqliteSteps } from '../src/store/sqlite/migrations/index.ts';
import { TestClock } from './support/clock.ts';
import { dropDatabase, freshDatabaseUri, skippedWithoutMongo } from './support/mongodb_server.ts';

/** Log lines as messages. */
function capturedLogger() {
  const lines: string[] = [];
  return { lines, logger: pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line).msg) }) };
}

describe('SQLite: numbered steps and PRAGMA user_version', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'stepup-steps-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** Every table's columns and foreign keys, and every index, as SQLite reports them. */
  function layout(path: string) {
    const db = new DatabaseSync(path);
    try {
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[];
      return {
        tables: Object.fromEntries(
          tables.map(({ name }) => [
            name,
            { columns: db.prepare(`PRAGMA table_info(${name})`).all(), foreignKeys: db.prepare(`PRAGMA foreign_key_list(${name})`).all() },
          ]),
        ),
        indexes: db.prepare("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name").all(),
      };
    } finally {
      db.close();
    }
  }

  test('the steps are numbered 1, 2, 3… in order', () => {
    expect(sqliteSteps.map((step) => step.version)).toEqual(sqliteSteps.map((_, i) => i + 1));
  });

  test('a new file ends at the latest version', () => {
    const db = openDatabase(join(dir, 'new.db'), new TestClock());
    expect(userVersion(db)).toBe(sqliteSteps.length);
    db.close();
  });

  test('applying again is a no-op: no step runs, the layout stays', () => {
    const path = join(dir, 'again.db');
    openDatabase(path, new TestClock()).close();
    const before = layout(path);
    const db = new DatabaseSync(path);
    const throwing = sqliteSteps.map((step) => ({
      ...step,
      up: () => {
        throw new Error(`step ${step.version} ran again`);
      },
    }));
    applySteps(db, throwing, { now: Date.now(), logger: silentStepLogger });
    db.close();
    openDatabase(path, new TestClock()).close();
    expect(layout(path)).toEqual(before);
  });

  test("the first release's file upgrades in place to a new file's layout, keeping its rows, and records the version", () => {
    const path = join(dir, 'first_release.db');
    const old = new DatabaseSync(path);
    // the first release's schema, with issued_codes as the release that added it made it
    old.exec(`
      CREATE TABLE accounts (id TEXT PRIMARY KEY, email TEXT NOT NULL UNIQUE COLLATE NOCASE, phone TEXT, password_hash TEXT NOT NULL,
        disabled INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL);
      CREATE TABLE clients (client_id TEXT PRIMARY KEY, metadata TEXT NOT NULL, secret_ciphertext TEXT, created_at INTEGER NOT NULL);
      CREATE TABLE factors (id TEXT PRIMARY KEY, account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE, kind TEXT NOT NULL,
        secret_ciphertext TEXT, target TEXT, confirmed_at INTEGER, last_time_step INTEGER, created_at INTEGER NOT NULL);
      CREATE INDEX factors_account ON factors(account_id);
      CREATE TABLE recovery_codes (account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE, code_hash TEXT NOT NULL,
        used_at INTEGER, created_at INTEGER NOT NULL, PRIMARY KEY (account_id, code_hash));
      CREATE TABLE records (kind TEXT NOT NULL, id TEXT NOT NULL, payload TEXT NOT NULL, expires_at INTEGER, consumed_at INTEGER,
        grant_id TEXT, uid TEXT, user_code TEXT, PRIMARY KEY (kind, id));
      CREATE INDEX records_grant ON records(grant_id) WHERE grant_id IS NOT NULL;
      CREATE INDEX records_uid ON records(kind, uid) WHERE uid IS NOT NULL;
      CREATE INDEX records_user_code ON records(kind, user_code) WHERE user_code IS NOT NULL;
      CREATE INDEX records_expiry ON records(expires_at) WHERE expires_at IS NOT NULL;
      CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE issued_codes (factor_id TEXT PRIMARY KEY REFERENCES factors(id) ON DELETE CASCADE, account_id TEXT NOT NULL,
        code_hash TEXT NOT NULL, expires_at INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, consumed_at INTEGER, created_at INTEGER NOT NULL);
      INSERT INTO accounts VALUES ('a1', 'a@example.com', NULL, 'x', 0, 1);
      INSERT INTO factors VALUES ('f1', 'a1', 'totp', 'sealed', NULL, 5, 7, 1);
      INSERT INTO factors VALUES ('f2', 'a1', 'email', NULL, 'a@example.com', NULL, NULL, 2);
      INSERT INTO recovery_codes VALUES ('a1', 'hash-1', NULL, 1);
      INSERT INTO records VALUES ('Session', 's1', '{}', NULL, NULL, NULL, NULL, NULL);
    `);
    old.close();
    openDatabase(join(dir, 'new.db'), new TestClock()).close();
    const { lines, logger } = capturedLogger();

    const db = openDatabase(path, new TestClock(), logger);
    expect(userVersion(db)).toBe(sqliteSteps.length);
    expect(db.prepare('SELECT id, confirmed_at FROM factors').all()).toEqual([{ id: 'f1', confirmed_at: 5 }]);
    expect(db.prepare('SELECT email_verified, profile, roles FROM accounts').all()).toEqual([{ email_verified: 0, profile: '{}', roles: '[]' }]);
    expect(db.prepare('SELECT id, account_id FROM records').all()).toEqual([{ id: 's1', account_id: null }]);
    expect(db.prepare('SELECT COUNT(*) AS n FROM recovery_codes').get()).toEqual({ n: 1 });
    db.close();
    expect(lines).toContain('removed unfinished enrolments left by an earlier version');
    expect(layout(path)).toEqual(layout(join(dir, 'new.db')));
  });

  test('the lockout carry-over reads the injected clock, not the system time', async () => {
    const path = join(dir, 'clock.db');
    const clock = new TestClock();
    const before = openSqliteStore(path, clock);
    await before.counters.hit('lock:someone', 60_000);
    await before.close();
    const db = new DatabaseSync(path);
    db.exec('PRAGMA user_version = 0');
    db.close();
    // an hour on, the earlier version's lock has ended: nothing to carry over
    clock.advance(3_600_000);
    const after = openSqliteStore(path, clock);
    expect(await after.lockouts.get('someone')).toBeNull();
    await after.close();
  });
});

const mongoDescribe = skippedWithoutMongo('the schema steps on MongoDB') ? describe.skip : describe;
mongoDescribe('MongoDB: numbered steps in schema_migrations', () => {
  let uri: string;
  let client: MongoClient;
  beforeEach(async () => {
    uri = freshDatabaseUri('stepup_steps');
    client = await new MongoClient(uri).connect();
  });
  afterEach(async () => {
    await client.close();
    await dropDatabase(uri);
  });

  const context = () => ({ now: Date.now(), logger: silentStepLogger });
  /** Steps that count their runs, the first taking `ms`. */
  function countingSteps(ms = 0) {
    const runs = [0, 0, 0];
    const steps: MongoStep[] = runs.map((_, i) => ({
      version: i + 1,
      name: `step_${i + 1}`,
      async up() {
        if (i === 0) await new Promise((r) => setTimeout(r, ms));
        runs[i]! += 1;
      },
    }));
    return { runs, steps };
  }

  test('a new database records every step, applied at the injected time', async () => {
    const clock = new TestClock();
    clock.advance(86_400_000);
    const store = await openMongoStore(uri, clock, pino({ level: 'silent' }));
    await store.close();
    const recorded = await appliedSteps(client.db()).find().sort({ _id: 1 }).toArray();
    expect(recorded.map(({ _id, name }) => ({ _id, name }))).toEqual(mongoSteps.map((step) => ({ _id: step.version, name: step.name })));
    for (const step of recorded) expect(step.appliedAt).toBeGreaterThan(Date.now() + 86_000_000);
  });

  test('applying again is a no-op', async () => {
    const { runs, steps } = countingSteps();
    await applyMongoSteps(client.db(), steps, context());
    await applyMongoSteps(client.db(), steps, context());
    expect(runs).toEqual([1, 1, 1]);
  });

  test('of two processes starting at once, one applies each step and the other waits for it', async () => {
    const { runs, steps } = countingSteps(300);
    const other = await new MongoClient(uri).connect();
    try {
      const finished: number[][] = [];
      await Promise.all(
        [client, other].map(async (process) => {
          await applyMongoSteps(process.db(), steps, context(), { pollMs: 20 });
          finished.push([...runs]);
        }),
      );
      expect(runs).toEqual([1, 1, 1]);
      // neither went on before every step was applied
      expect(finished).toEqual([
        [1, 1, 1],
        [1, 1, 1],
      ]);
    } finally {
      await other.close();
    }
  });

  test('two stores opening at once on an earlier version database replace its index once', async () => {
    await client.db().collection('records').createIndex({ expiresAt: 1 }, { name: 'expiry' });
    const { lines, logger } = capturedLogger();
    const stores = await Promise.all([openMongoStore(uri, new TestClock(), logger), openMongoStore(uri, new TestClock(), logger)]);
    for (const store of stores) await store.close();
    expect(lines.filter((msg) => /dropped an index of an earlier version/.test(msg))).toHaveLength(1);
    expect(await appliedSteps(client.db()).countDocuments({ appliedAt: { $ne: null } })).toBe(mongoSteps.length);
  });

  test('a lock left by a process that died in a step is taken over once stale', async () => {
    const { runs, steps } = countingSteps();
    await appliedSteps(client.db()).insertOne({ _id: 1, name: 'step_1', owner: new ObjectId(), startedAt: 0, appliedAt: null });
    await applyMongoSteps(client.db(), steps, context(), { pollMs: 20, staleMs: 100 });
    expect(runs).toEqual([1, 1, 1]);
    expect(await appliedSteps(client.db()).countDocuments({ appliedAt: null })).toBe(0);
  });

  test('a step that fails releases its lock, and the next start runs it', async () => {
    const { runs, steps } = countingSteps();
    const failing = [steps[0]!, { ...steps[1]!, up: () => Promise.reject(new Error('disk full')) }, steps[2]!];
    await expect(applyMongoSteps(client.db(), failing, context())).rejects.toThrow('disk full');
    expect(await appliedSteps(client.db()).find().toArray()).toHaveLength(1);
    await applyMongoSteps(client.db(), steps, context());
    expect(runs).toEqual([1, 1, 1]);
  });

  test('unfinished enrolments of an earlier version go, saying how many', async () => {
    await client
      .db()
      .collection('factors')
      .insertMany([{ _id: 'pending' as never, accountId: 'a1', confirmedAt: null }]);
    const { lines, logger } = capturedLogger();
    await (await openMongoStore(uri, new TestClock(), logger)).close();
    expect(await client.db().collection('factors').countDocuments()).toBe(0);
    expect(lines).toContain('removed unfinished enrolments left by an earlier version');
  });
});
