import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { MongoClient } from 'mongodb';
import { ConnectionString } from 'mongodb-connection-string-url';

/**
 * The MongoDB-protocol server the tests use: MONGODB_URI when set, otherwise FerretDB
 * v1.24.2 built by scripts/build_ferretdb.sh and started on a free loopback port.
 * Tests read STEPUP_TEST_MONGODB_URI and STEPUP_TEST_MONGODB_SERVER.
 */
export interface MongoTestServer {
  uri: string;
  /** what the test output names, e.g. "FerretDB v1.24.2" or "MongoDB 8.0.4" */
  server: string;
  isFerretDb: boolean;
  stop(removeData?: boolean): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolvePort(port));
    }).on('error', reject);
  });
}

async function describeServer(uri: string): Promise<{ server: string; isFerretDb: boolean }> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 2000 });
  try {
    const info = await client.db('admin').command({ buildInfo: 1 });
    const isFerretDb = 'ferretdbVersion' in info;
    return { server: isFerretDb ? 'FerretDB v1.24.2' : `MongoDB ${String(info.version)}`, isFerretDb };
  } finally {
    await client.close();
  }
}

async function waitUntilUp(uri: string, child: ChildProcess): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    if (child.exitCode !== null) throw new Error(`FerretDB exited with code ${child.exitCode}`);
    try {
      await describeServer(uri);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error('FerretDB did not start within 10 s');
}

export async function startMongoTestServer(): Promise<MongoTestServer> {
  const given = process.env.MONGODB_URI;
  if (given) return { uri: given, ...(await describeServer(given)), stop: async () => undefined };
  return startFerretDb();
}

/** A FerretDB server of its own, on `port` (default: a free one) and `dir` (default: a new one). */
export async function startFerretDb(port?: number, dir?: string): Promise<MongoTestServer & { port: number; dir: string }> {
  const build = spawnSync('bash', [resolve(import.meta.dirname, '../../scripts/build_ferretdb.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (build.status !== 0) throw new Error('could not build FerretDB (needs Go and the Go module proxy); or set MONGODB_URI to a MongoDB server');
  const binary = build.stdout.trim();
  const sqliteDir = dir ?? mkdtempSync(join(tmpdir(), 'stepup-ferretdb-'));
  const listenPort = port ?? (await freePort());
  const child = spawn(binary, ['-listen-addr', `127.0.0.1:${listenPort}`, '-sqlite-dir', sqliteDir], { stdio: ['ignore', 'ignore', 'inherit'] });
  const uri = `mongodb://127.0.0.1:${listenPort}/`;
  await waitUntilUp(uri, child);
  return {
    uri,
    port: listenPort,
    dir: sqliteDir,
    ...(await describeServer(uri)),
    /** Stops the server; its data stays unless `removeData`. */
    async stop(removeData = true) {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
      if (removeData) rmSync(sqliteDir, { recursive: true, force: true });
    },
  };
}

/** The test server's URI with a database of its own, so test files never share data. */
export function freshDatabaseUri(prefix = 'stepup_test'): string {
  const uri = process.env.STEPUP_TEST_MONGODB_URI;
  if (!uri) throw new Error('no MongoDB test server: jest.config.js globalSetup starts one');
  const parsed = new ConnectionString(uri);
  parsed.pathname = `/${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  return parsed.toString();
}

export async function dropDatabase(uri: string): Promise<void> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 2000 });
  try {
    await client.db().dropDatabase();
  } finally {
    await client.close();
  }
}

export const mongoTestServerName = () => process.env.STEPUP_TEST_MONGODB_SERVER ?? 'MongoDB';
export const mongoTestServerIsFerretDb = () => process.env.STEPUP_TEST_MONGODB_FERRETDB === '1';

/**
 * `test`, or `test.skip` with the reason printed when this run is on FerretDB v1, whose
 * conditional updates are not atomic under concurrency. `what` names the tests it skips.
 */
export function atomicTest(what: string): typeof test {
  const onFerretDb = process.env.STEPUP_TEST_STORE === 'mongodb' && mongoTestServerIsFerretDb();
  if (onFerretDb) console.warn(`SKIPPED ${what} on FerretDB v1: its conditional updates are not atomic under concurrency; run with MONGODB_URI set to a real MongoDB`);
  return onFerretDb ? test.skip : test;
}
