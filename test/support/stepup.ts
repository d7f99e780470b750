import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config/load.ts';
import { buildContainer, type Container } from '../../src/container.ts';
import { createLogger } from '../../src/logger.ts';
import { openMongoStore } from '../../src/store/mongo/index.ts';
import type { Store } from '../../src/store/ports.ts';
import { openSqliteStore } from '../../src/store/sqlite/index.ts';
import { TestClock } from './clock.ts';
import { dropDatabase, freshDatabaseUri } from './mongodb_server.ts';
import { startSmtpCapture } from './smtp_capture.ts';

export interface RunningStepup {
  issuer: string;
  dataDir: string;
  clock: TestClock;
  container: Container;
  /** What a running server does every keys.refreshSeconds: pick up rotated keys. */
  refreshKeys(): Promise<boolean>;
  /**
   * Stops and starts the server on the same port and data directory, as a deploy would; with
   * `settings`, the deploy brings this config file instead.
   */
  restart(settings?: object): Promise<void>;
  stop(): Promise<void>;
}

async function listen(server: Server, port = 0): Promise<number> {
  // A test that runs the CLI with spawnSync stops this process, server and client alike, for
  // seconds; on a busy machine the server's 5 s default then closes a kept-alive connection
  // just as the client sends its next request on it (ECONNRESET, seen in CI). A minute
  // outlasts any CLI command.
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/**
 * Boots the real app in a fresh temporary DATA_DIR: on the embedded store, or on a fresh
 * MongoDB database when the "mongodb" jest project runs the suite. It listens on 127.0.0.1;
 * `hostname` names it in the issuer.
 */
export async function startStepup(env: Record<string, string> = {}, settings?: object, { hostname = '127.0.0.1' } = {}): Promise<RunningStepup> {
  const dataDir = mkdtempSync(join(tmpdir(), 'stepup-test-'));
  const settingsFile = join(dataDir, 'test-config.json');
  // settings beyond the environment go in a config file, as an operator would write one
  if (settings) {
    writeFileSync(settingsFile, JSON.stringify(settings));
    env = { STEPUP_CONFIG: settingsFile, ...env };
  }
  const mongodbUri = process.env.STEPUP_TEST_STORE === 'mongodb' ? freshDatabaseUri() : undefined;
  const clock = new TestClock();
  let server = createServer();
  const port = await listen(server);
  // WebAuthn needs a domain for its RP ID: passkey tests name the issuer by `localhost`
  const issuer = `http://${hostname}:${port}`;
  const load = () =>
    loadConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: process.env.STEPUP_TEST_LOG_LEVEL ?? 'silent',
      DATA_DIR: dataDir,
      PORT: String(port),
      ISSUER: issuer,
      ...(mongodbUri ? { MONGODB_URI: mongodbUri } : {}),
      ...env,
    });
  let config = load();

  let refreshKeys = async () => false;
  const boot = async () => {
    const container = await buildContainer(config, createLogger(config), clock);
    const created = await createApp(container);
    refreshKeys = created.refreshKeys;
    server.on('request', created.app.callback());
    return container;
  };

  const running: RunningStepup = {
    issuer,
    dataDir,
    clock,
    container: await boot(),
    refreshKeys: () => refreshKeys(),
    async restart(settings) {
      await closeServer(server);
      await running.container.close();
      if (settings) {
        writeFileSync(settingsFile, JSON.stringify(settings));
        env = { STEPUP_CONFIG: settingsFile, ...env };
        config = load();
      }
      server = createServer();
      await listen(server, port);
      running.container = await boot();
    },
    async stop() {
      await closeServer(server);
      await running.container.close();
      rmSync(dataDir, { recursive: true, force: true });
      if (mongodbUri) await dropDatabase(mongodbUri);
    },
  };
  return running;
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Everything the running Stepup has stored, as text: for asserting what is never stored. */
export async function rawStorage(stepup: RunningStepup): Promise<string> {
  const uri = stepup.container.config.mongodbUri;
  if (uri) {
    const { MongoClient } = await import('mongodb');
    const client = await new MongoClient(uri).connect();
    try {
      const db = client.db();
      const collections = await db.listCollections().toArray();
      const dump = await Promise.all(collections.map(async (c) => [c.name, await db.collection(c.name).find().toArray()]));
      return JSON.stringify(dump);
    } finally {
      await client.close();
    }
  }
  const { DatabaseSync } = await import('node:sqlite');
  const db = new DatabaseSync(join(stepup.dataDir, 'stepup.db'), { readOnly: true });
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[];
    return JSON.stringify(tables.map(({ name }) => [name, db.prepare(`SELECT * FROM "${name}"`).all()]));
  } finally {
    db.close();
  }
}

/**
 * The running Stepup's storage as the adapters write it, without the hashing and encryption
 * every caller goes through: for putting back what an older version stored. Close it after.
 */
export function openRawStore(stepup: RunningStepup): Promise<Store> | Store {
  const uri = stepup.container.config.mongodbUri;
  if (uri) return openMongoStore(uri, stepup.clock, createLogger(stepup.container.config));
  return openSqliteStore(join(stepup.dataDir, 'stepup.db'), stepup.clock);
}

/** Stepup that mails through a real SMTP server on loopback, which keeps every message. */
export async function startMailingStepup() {
  const smtp = await startSmtpCapture();
  const stepup = await startStepup({ SMTP_URL: smtp.url, SMTP_FROM: 'Stepup <stepup@example.com>' });
  return {
    smtp,
    stepup,
    async stop() {
      await stepup.stop();
      await smtp.close();
    },
  };
}
