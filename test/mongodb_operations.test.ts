import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { MongoClient } from 'mongodb';
import pino from 'pino';
import { databaseName, ensureIndexes, redactUri } from '../src/store/mongo/database.ts';
import { openMongoStore } from '../src/store/mongo/index.ts';
import { TestClock } from './support/clock.ts';
import { dropDatabase, freshDatabaseUri, mongoTestServerIsFerretDb, mongoTestServerName, startFerretDb } from './support/mongodb_server.ts';
import { startStepup } from './support/stepup.ts';

const server = mongoTestServerName();

function capturedLogger() {
  const lines: { msg: string }[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { logger, lines };
}

describe(`indexes on ${server}`, () => {
  let uri: string;
  let client: MongoClient;

  beforeAll(async () => {
    uri = freshDatabaseUri('stepup_indexes');
    client = await new MongoClient(uri).connect();
  });
  afterAll(async () => {
    await client.close();
    await dropDatabase(uri);
  });

  test('are created on start, idempotently, with a unique case-insensitive email', async () => {
    const first = await openMongoStore(uri, new TestClock(), pino({ level: 'silent' }));
    await first.close();
    const second = await openMongoStore(uri, new TestClock(), pino({ level: 'silent' }));
    await second.close();

    const names = async (collection: string) => (await client.db().collection(collection).indexes()).map((index) => index.name);
    expect(await names('accounts')).toContain('email_unique');
    expect(await names('records')).toEqual(expect.arrayContaining(['uid', 'user_code', 'grant', 'expiry']));
    expect(await names('factors')).toContain('account');
  });

  const ttl = mongoTestServerIsFerretDb() ? test : test.skip;
  const realMongo = mongoTestServerIsFerretDb() ? test.skip : test;
  if (mongoTestServerIsFerretDb()) console.warn('SKIPPED "a real MongoDB gets the TTL index" on FerretDB v1: it does not implement TTL indexes');

  ttl('a server that refuses the TTL index logs one warning and keeps the other indexes', async () => {
    const { logger, lines } = capturedLogger();
    const fresh = freshDatabaseUri('stepup_ttl');
    const store = await openMongoStore(fresh, new TestClock(), logger);
    await store.close();
    expect(lines.filter((line) => /TTL index/.test(line.msg))).toHaveLength(1);
    const other = await new MongoClient(fresh).connect();
    expect((await other.db().collection('records').indexes()).map((i) => i.name)).toContain('expiry');
    await other.close();
    await dropDatabase(fresh);
  });

  realMongo('a real MongoDB gets the TTL index on records.expiresAt', async () => {
    const ttlIndex = (await client.db().collection('records').indexes()).find((index) => index.name === 'expiry_ttl');
    expect(ttlIndex).toMatchObject({ expireAfterSeconds: 0 });
  });

  test('ensureIndexes on an open database is safe to repeat', async () => {
    await expect(ensureIndexes(client.db(), pino({ level: 'silent' }))).resolves.toBeUndefined();
  });
});

describe('connection settings', () => {
  test('the database name comes from the URI, stepup by default', () => {
    expect(databaseName('mongodb://db.example:27017')).toBe('stepup');
    expect(databaseName('mongodb://db.example:27017/')).toBe('stepup');
    expect(databaseName('mongodb://a:1,b:2/identity?replicaSet=rs0')).toBe('identity');
  });

  test('passwords never appear in messages about the URI', () => {
    expect(redactUri('mongodb://stepup:s3cret@db.example/stepup')).not.toContain('s3cret');
  });

  test('an unreachable MongoDB at start: a clear message, no stack trace, exit code 1', () => {
    const result = spawnSync(process.execPath, [resolve(import.meta.dirname, '../src/main.ts')], {
      encoding: 'utf8',
      env: { ...process.env, NODE_OPTIONS: '', MONGODB_URI: 'mongodb://stepup:s3cret@127.0.0.1:1/stepup?serverSelectionTimeoutMS=500', PORT: '0', LOG_LEVEL: 'silent' },
      timeout: 20_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('Stepup cannot start: cannot reach MongoDB at mongodb://stepup:****@127.0.0.1:1/stepup');
    expect(result.stderr).not.toContain('s3cret');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});

const outage = process.env.MONGODB_URI ? describe.skip : describe;
if (process.env.MONGODB_URI) console.warn('SKIPPED the outage test: it stops and restarts its own FerretDB, and will not stop the server at MONGODB_URI');

outage('when MongoDB goes away while running', () => {
  test('/healthz says unavailable, pages fail cleanly, and both recover when it is back', async () => {
    const ferret = await startFerretDb();
    const stepup = await startStepup({ MONGODB_URI: `${ferret.uri}stepup_outage` });
    try {
      expect((await fetch(`${stepup.issuer}/healthz`)).status).toBe(200);

      await ferret.stop(false);
      const down = await fetch(`${stepup.issuer}/healthz`);
      expect(down.status).toBe(503);
      expect(await down.json()).toEqual({ status: 'unavailable', storage: 'mongodb' });
      const page = await fetch(`${stepup.issuer}/interaction/some-id`, { headers: { accept: 'text/html' } });
      expect(page.status).toBeGreaterThanOrEqual(400);
      expect(await page.text()).not.toMatch(/MongoServerSelectionError|\n\s+at /);

      const back = await startFerretDb(ferret.port, ferret.dir);
      try {
        let status = 0;
        for (let attempt = 0; attempt < 50 && status !== 200; attempt += 1) {
          status = (await fetch(`${stepup.issuer}/healthz`)).status;
          if (status !== 200) await new Promise((r) => setTimeout(r, 200));
        }
        expect(status).toBe(200);
      } finally {
        await stepup.stop().catch(() => undefined);
        await back.stop();
      }
    } finally {
      await ferret.stop().catch(() => undefined);
    }
  });
});
