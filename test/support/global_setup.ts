import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type MongoTestServer, startMongoTestServer } from './mongodb_server.ts';

declare global {
  var stepupMongoServer: MongoTestServer | undefined;
}

/**
 * Starts the MongoDB-protocol server once for the whole run and says which it is, unless
 * jest.config.js found none to use (it printed why). MONGODB_URI names the test server, not
 * a store: it is taken out of the environment, so a CLI or server a test starts on SQLite
 * stays on SQLite; the tests that want MongoDB pass a fresh database of their own.
 * Suites write why they skip to one file (skips.ts), which global_teardown.ts prints.
 */
export default async function globalSetup() {
  process.env.STEPUP_TEST_SKIPS_FILE = join(mkdtempSync(join(tmpdir(), 'stepup-skips-')), 'skips.txt');
  if (process.env.STEPUP_TEST_MONGODB_SKIPPED) return;
  const server = await startMongoTestServer();
  globalThis.stepupMongoServer = server;
  process.env.STEPUP_TEST_MONGODB_URI = server.uri;
  process.env.STEPUP_TEST_MONGODB_SERVER = server.server;
  console.log(`\nMongoDB tests run against ${server.server}${process.env.MONGODB_URI ? ' (MONGODB_URI)' : ''}`);
  delete process.env.MONGODB_URI;
}
