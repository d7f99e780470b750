import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { MongoClient } from 'mongodb';
import { ConnectionString } from 'mongodb-connection-string-url';
import { reportSkip } from './skips.ts';

/**
 * The MongoDB-protocol server the tests use: MONGODB_URI when set, otherwise the test server
 * in ../shared/mongodb-server (PostgreSQL with DocumentDB; MONGODB_SERVER_DIR names another
 * folder), which global setup starts in a work dir of its own on a free port and stops at
 * the end. Tests read STEPUP_TEST_MONGODB_URI and STEPUP_TEST_MONGODB_SERVER.
 */
export interface MongoTestServer {
  uri: string;
  /** what the test output names, e.g. "MongoDB 7.0.0" */
  server: string;
  stop(): Promise<void>;
}

const serverDir = resolve(process.env.MONGODB_SERVER_DIR ?? resolve(import.meta.dirname, '../../../shared/mongodb-server'));

/**
 * Why this run has no MongoDB test server, or undefined when it has one. start.sh installs
 * Debian packages and runs PostgreSQL as its own OS user, so the tests start it only as root.
 */
export function mongoTestServerUnavailable(): string | undefined {
  if (process.env.MONGODB_URI) return undefined;
  const howTo = 'start one (see ../shared/mongodb-server/README.md) and run with MONGODB_URI set to it';
  if (!existsSync(join(serverDir, 'start.sh'))) return `MONGODB_URI is not set and there is no test server at ${serverDir}; ${howTo}`;
  if (process.getuid?.() !== 0) return `MONGODB_URI is not set and the tests start ${serverDir}/start.sh only as root; ${howTo}`;
  return undefined;
}

async function describeServer(uri: string): Promise<string> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5000 });
  try {
    const info = await client.db('admin').command({ buildInfo: 1 });
    return `MongoDB ${String(info.version)}`;
  } finally {
    await client.close();
  }
}

export async function startMongoTestServer(): Promise<MongoTestServer> {
  const given = process.env.MONGODB_URI;
  if (given) return { uri: given, server: await describeServer(given), stop: async () => undefined };
  return startSharedTestServer();
}

/** start.sh in a new work dir (never another server's) on a free port; stop.sh deletes it all. */
async function startSharedTestServer(): Promise<MongoTestServer> {
  // a quick TTL monitor, so the test that waits for it is quick too
  process.env.MONGODB_SERVER_TTL_SECONDS ??= '2';
  return startServerInNewWorkDir();
}

async function startServerInNewWorkDir(): Promise<MongoTestServer & { workDir: string }> {
  const workDir = mkdtempSync(join(tmpdir(), 'stepup-test-mongodb-'));
  chmodSync(workDir, 0o755); // PostgreSQL runs as the postgres OS user, who must enter it
  const env = { ...process.env, MONGODB_SERVER_WORKDIR: workDir, MONGODB_SERVER_PORT: '0' };
  const script = (name: string) => spawnSync('bash', [join(serverDir, name)], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const started = script('start.sh');
  if (started.status !== 0) {
    throw new Error(`${serverDir}/start.sh failed (logs in ${workDir}/log):\n${started.stderr}\nOr run with MONGODB_URI set to a MongoDB server.`);
  }
  const uri = started.stdout.trim();
  return {
    uri,
    workDir,
    server: `${await describeServer(uri)} (the test server in ${serverDir})`,
    async stop() {
      script('stop.sh');
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}

/** Why a test cannot start a test server of its own (the one it may stop), or undefined. */
export function ownServerUnavailable(): string | undefined {
  if (!existsSync(join(serverDir, 'start.sh'))) return `there is no test server at ${serverDir} (MONGODB_SERVER_DIR names another folder)`;
  if (process.getuid?.() !== 0) return `${serverDir}/start.sh runs PostgreSQL as its own OS user, so the tests start it only as root`;
  return undefined;
}

/**
 * A test server of the test's own, never the shared one, whose MongoDB-protocol gateway the
 * test can stop and start again, keeping the data (PostgreSQL keeps running): to MongoDB's
 * clients, a database server going down and coming back.
 */
export async function startOwnMongoServer() {
  const server = await startServerInNewWorkDir();
  const pidFile = join(server.workDir, 'gateway.pid');
  const gatewayPid = () => Number(readFileSync(pidFile, 'utf8').trim());
  return {
    ...server,
    /** kill -9 of the gateway: every connection dropped, new ones refused */
    async stopGateway() {
      const pid = gatewayPid();
      process.kill(pid, 'SIGKILL');
      while (existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z')) await new Promise((r) => setTimeout(r, 20));
    },
    /** the gateway again, as start.sh starts it: as the postgres user, on the same port and data */
    startGateway() {
      const log = openSync(join(server.workDir, 'log', 'gateway.log'), 'a');
      const gateway = spawn(
        'setsid',
        [
          'bash',
          '-c',
          'echo $$ >"$0"; exec "$@"',
          pidFile,
          'setpriv',
          '--reuid=postgres',
          '--regid=postgres',
          '--init-groups',
          '--reset-env',
          join(server.workDir, 'bin', 'documentdb_gateway'),
          join(server.workDir, 'gateway.json'),
        ],
        { cwd: join(server.workDir, 'run'), detached: true, stdio: ['ignore', log, log] },
      );
      gateway.unref();
    },
  };
}

/** How often the server deletes expired TTL documents: MongoDB's minute unless the test server was told otherwise. */
export const ttlMonitorSeconds = () => Number(process.env.MONGODB_SERVER_TTL_SECONDS ?? 60);

/** The test server's URI with a database of its own, so test files never share data. */
export function freshDatabaseUri(prefix = 'stepup_test'): string {
  const uri = process.env.STEPUP_TEST_MONGODB_URI;
  if (!uri) throw new Error('no MongoDB test server: jest.config.js globalSetup starts one');
  const parsed = new ConnectionString(uri);
  parsed.pathname = `/${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  return parsed.toString();
}

export async function dropDatabase(uri: string): Promise<void> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5000 });
  try {
    await client.db().dropDatabase();
  } finally {
    await client.close();
  }
}

export const mongoTestServerName = () => process.env.STEPUP_TEST_MONGODB_SERVER ?? 'MongoDB';

/** True, after printing why, when this run has no MongoDB test server and `what` is skipped. */
export function skippedWithoutMongo(what: string): boolean {
  const reason = process.env.STEPUP_TEST_MONGODB_SKIPPED;
  if (reason) reportSkip(what, reason);
  return Boolean(reason);
}
