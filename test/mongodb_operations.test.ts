import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { MongoClient } from 'mongodb';
import { ConnectionString } from 'mongodb-connection-string-url';
import pino from 'pino';
import { databaseName, ensureIndexes, redactUri } from '../src/store/mongo/database.ts';
import { openMongoStore } from '../src/store/mongo/index.ts';
import { TestClock } from './support/clock.ts';
import { dropDatabase, freshDatabaseUri, mongoTestServerName, skippedWithoutMongo, ttlMonitorSeconds } from './support/mongodb_server.ts';
import { startStepup } from './support/stepup.ts';
import { startTcpProxy } from './support/tcp_proxy.ts';

const server = mongoTestServerName();
const withMongo = skippedWithoutMongo('the MongoDB index and outage tests') ? describe.skip : describe;

withMongo(`indexes on ${server}`, () => {
  let uri: string;
  let client: MongoClient;
  const silent = pino({ level: 'silent' });
  /** the indexes of `collection` on `{ expiresAt: 1 }`, without the fields that vary by server */
  const expiryIndexes = async (db = client.db(), collection = 'records') =>
    (await db.collection(collection).indexes())
      .filter((index) => JSON.stringify(index.key) === '{"expiresAt":1}')
      .map(({ name, expireAfterSeconds }) => ({ name, expireAfterSeconds }));

  beforeAll(async () => {
    uri = freshDatabaseUri('stepup_indexes');
    client = await new MongoClient(uri).connect();
  });
  afterAll(async () => {
    await client.close();
    await dropDatabase(uri);
  });

  test('are created on start, idempotently, with a unique case-insensitive email', async () => {
    const first = await openMongoStore(uri, new TestClock(), silent);
    await first.close();
    const second = await openMongoStore(uri, new TestClock(), silent);
    await second.close();

    const names = async (collection: string) => (await client.db().collection(collection).indexes()).map((index) => index.name);
    expect(await names('accounts')).toContain('email_unique');
    expect(await names('records')).toEqual(expect.arrayContaining(['uid', 'user_code', 'grant', 'expiry_ttl']));
    expect(await names('factors')).toContain('account');
  });

  test('records get exactly one index on expiresAt, the TTL one', async () => {
    expect(await expiryIndexes()).toEqual([{ name: 'expiry_ttl', expireAfterSeconds: 0 }]);
  });

  test('a database indexed by an earlier version gets the TTL index in place of its plain one, once', async () => {
    const earlier = freshDatabaseUri('stepup_earlier');
    const db = client.db(databaseName(earlier));
    try {
      await db.collection('records').createIndex({ expiresAt: 1 }, { name: 'expiry' });
      const lines: string[] = [];
      const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line).msg) });
      for (let start = 0; start < 2; start += 1) await (await openMongoStore(earlier, new TestClock(), logger)).close();
      expect(await expiryIndexes(db)).toEqual([{ name: 'expiry_ttl', expireAfterSeconds: 0 }]);
      expect(lines.filter((msg) => /dropped an index of an earlier version/.test(msg))).toHaveLength(1);
    } finally {
      await db.dropDatabase();
    }
  });

  // the server deletes expired documents every MONGODB_SERVER_TTL_SECONDS (MongoDB: every 60 s)
  const ttlWaitMs = (ttlMonitorSeconds() + 15) * 1000;
  test(
    'the server deletes an expired record by itself, without the sweeper',
    async () => {
      const store = await openMongoStore(uri, new TestClock(), silent);
      try {
        // the store itself, beneath every surface: it is MongoDB's own expiry under test
        await store.records.upsert('Session', 'expired', {}, Date.now() - 1_000);
        await store.records.upsert('Session', 'live', {}, Date.now() + 3_600_000);
        const stored = (id: string) =>
          client
            .db()
            .collection<{ _id: string }>('records')
            .countDocuments({ _id: `Session:${id}` });
        const deadline = Date.now() + ttlWaitMs;
        while ((await stored('expired')) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
        expect({ expired: await stored('expired'), live: await stored('live') }).toEqual({ expired: 0, live: 1 });
      } finally {
        await store.close();
      }
    },
    ttlWaitMs + 10_000,
  );

  test('ensureIndexes on an open database is safe to repeat', async () => {
    await expect(ensureIndexes(client.db())).resolves.toBeUndefined();
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
      env: {
        ...process.env,
        NODE_OPTIONS: '',
        MONGODB_URI: 'mongodb://stepup:s3cret@127.0.0.1:1/stepup?serverSelectionTimeoutMS=500',
        PORT: '0',
        LOG_LEVEL: 'silent',
      },
      timeout: 20_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('Stepup cannot start: cannot reach MongoDB at mongodb://stepup:****@127.0.0.1:1/stepup');
    expect(result.stderr).not.toContain('s3cret');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});

withMongo('when MongoDB goes away while running', () => {
  test('/healthz says unavailable, pages fail cleanly, and both recover when it is back', async () => {
    // the network to the test server is cut and restored; the server itself keeps running
    const direct = freshDatabaseUri('stepup_outage');
    const target = new ConnectionString(direct);
    const [host, port] = target.hosts[0]!.split(':');
    const proxy = await startTcpProxy(host!, Number(port ?? 27017));
    target.hosts = [`127.0.0.1:${proxy.port}`];
    const stepup = await startStepup({ MONGODB_URI: target.toString() });
    try {
      expect((await fetch(`${stepup.issuer}/healthz`)).status).toBe(200);

      await proxy.cut();
      const down = await fetch(`${stepup.issuer}/healthz`);
      expect(down.status).toBe(503);
      expect(await down.json()).toEqual({ status: 'unavailable', storage: 'mongodb' });
      const page = await fetch(`${stepup.issuer}/interaction/some-id`, { headers: { accept: 'text/html' } });
      expect(page.status).toBeGreaterThanOrEqual(400);
      expect(await page.text()).not.toMatch(/MongoServerSelectionError|\n\s+at /);

      await proxy.restore();
      let status = 0;
      for (let attempt = 0; attempt < 50 && status !== 200; attempt += 1) {
        status = (await fetch(`${stepup.issuer}/healthz`)).status;
        if (status !== 200) await new Promise((r) => setTimeout(r, 200));
      }
      expect(status).toBe(200);
    } finally {
      await stepup.stop().catch(() => undefined);
      await proxy.close();
      await dropDatabase(direct);
    }
  });
});
