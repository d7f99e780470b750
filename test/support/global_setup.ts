import { startMongoTestServer, type MongoTestServer } from './mongodb_server.ts';

declare global {
  var stepupMongoServer: MongoTestServer | undefined;
}

/** Starts the MongoDB-protocol server once for the whole run and says which it is. */
export default async function globalSetup() {
  const server = await startMongoTestServer();
  globalThis.stepupMongoServer = server;
  process.env.STEPUP_TEST_MONGODB_URI = server.uri;
  process.env.STEPUP_TEST_MONGODB_SERVER = server.server;
  process.env.STEPUP_TEST_MONGODB_FERRETDB = server.isFerretDb ? '1' : '0';
  console.log(`\nMongoDB tests run against ${server.server}${process.env.MONGODB_URI ? ' (MONGODB_URI)' : ` on ${server.uri}`}`);
  if (server.isFerretDb) {
    console.log('FerretDB v1 lacks TTL indexes and atomic conditional updates: the tests of those guarantees are skipped on it; run with MONGODB_URI set to a real MongoDB to include them.');
  }
}
