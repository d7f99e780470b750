import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { MongoClient } from 'mongodb';
import pino from 'pino';
import { openMongoStore } from '../src/store/mongo/index.ts';
import type { Store } from '../src/store/ports.ts';
import { openSqliteStore } from '../src/store/sqlite/index.ts';
import { TestClock } from './support/clock.ts';
import { dropDatabase, freshDatabaseUri, skippedWithoutMongo } from './support/mongodb_server.ts';

// Before one record per subject, lockout state was four counters per subject. An upgrade
// must not lift a live lock, nor forget the failures counted toward one. The stores are written
// by this version, then marked as the releases before numbered steps left them (user_version 0;
// no schema_migrations), which ran the carry-over at every start.
const minute = 60_000;

async function writeOldCounters(store: Store) {
  // in a rolling upgrade a process of this version may have counted a subject already
  await store.lockouts.attempt('locked-person', 'second_factor', 15 * minute);
  await store.lockouts.attempt('locked-person', 'password', 15 * minute);
  for (let i = 0; i < 3; i += 1) await store.counters.hit('attempts:second_factor:locked-person', 15 * minute);
  await store.counters.hit('lock:locked-person', 15 * minute);
  await store.counters.hit('lockouts:locked-person', 24 * 60 * minute);
  for (let i = 0; i < 3; i += 1) await store.counters.hit('attempts:password:guessed-person', 15 * minute);
  await store.counters.hit('attempts:second_factor:guessed-person', 15 * minute);
  await store.counters.hit('lock:ended-person', 1);
  await store.counters.hit('rate:login:ip:127.0.0.1', minute);
}

async function expectCarriedOver(store: Store) {
  const locked = await store.lockouts.get('locked-person');
  expect(locked!.lockedUntil).toBeGreaterThan(Date.now() + 14 * minute);
  expect(locked!.lockouts!.count).toBe(1);
  // the larger live count of each part
  expect(locked).toMatchObject({ password: { count: 1 }, second_factor: { count: 3 } });
  expect(await store.lockouts.get('guessed-person')).toMatchObject({ password: { count: 3 }, second_factor: { count: 1 } });
  expect(await store.lockouts.get('ended-person')).toBeNull();
  for (const key of ['lock:locked-person', 'lockouts:locked-person', 'attempts:password:guessed-person']) expect(await store.counters.peek(key)).toBeNull();
  // counters of other kinds stay
  expect((await store.counters.peek('rate:login:ip:127.0.0.1'))!.count).toBe(1);
}

test('SQLite: a file of the earlier version keeps its locks and counts', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stepup-lockout-upgrade-'));
  try {
    const path = join(dir, 'stepup.db');
    const before = openSqliteStore(path, new TestClock());
    await writeOldCounters(before);
    await new Promise((r) => setTimeout(r, 5)); // the 1 ms lock has ended
    await before.close();
    const db = new DatabaseSync(path);
    db.exec('PRAGMA user_version = 0');
    db.close();
    const after = openSqliteStore(path, new TestClock());
    await expectCarriedOver(after);
    await after.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const mongoTest = skippedWithoutMongo('the lockout upgrade on MongoDB') ? test.skip : test;
mongoTest('MongoDB: a database of the earlier version keeps its locks and counts', async () => {
  const uri = freshDatabaseUri('stepup_lockout_upgrade');
  const logger = pino({ level: 'silent' });
  try {
    const before = await openMongoStore(uri, new TestClock(), logger);
    await writeOldCounters(before);
    await new Promise((r) => setTimeout(r, 5));
    await before.close();
    const client = await new MongoClient(uri).connect();
    await client.db().collection('schema_migrations').drop();
    await client.close();
    const after = await openMongoStore(uri, new TestClock(), logger);
    await expectCarriedOver(after);
    await after.close();
  } finally {
    await dropDatabase(uri);
  }
});
