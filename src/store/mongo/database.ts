import { MongoClient, type Db, type IndexSpecification, type CreateIndexesOptions } from 'mongodb';
import { ConnectionString } from 'mongodb-connection-string-url';
import type { Logger } from 'pino';

export class StoreUnavailableError extends Error {}

/** The URI without its password, for messages. */
export function redactUri(uri: string): string {
  try {
    const parsed = new ConnectionString(uri);
    if (parsed.password) parsed.password = '****';
    return parsed.toString();
  } catch {
    return 'mongodb://…';
  }
}

/** The database named in the URI's path, `stepup` when it names none. */
export function databaseName(uri: string): string {
  return new ConnectionString(uri).pathname.replace(/^\//, '') || 'stepup';
}

/** Connects, failing within a few seconds with a clear message when no server answers. */
export async function connect(uri: string): Promise<{ client: MongoClient; db: Db }> {
  const client = new MongoClient(uri, { appName: 'stepup', serverSelectionTimeoutMS: 5000 });
  try {
    await client.connect();
    const db = client.db(databaseName(uri));
    await db.command({ ping: 1 });
    return { client, db };
  } catch (error) {
    await client.close().catch(() => undefined);
    throw new StoreUnavailableError(`cannot reach MongoDB at ${redactUri(uri)}: ${(error as Error).message}`);
  }
}

const duplicateKey = 11000;

export const isDuplicateKey = (error: unknown) => (error as { code?: unknown } | null)?.code === duplicateKey;

type IndexPlan = [collection: string, keys: IndexSpecification, options: CreateIndexesOptions];

const indexes: IndexPlan[] = [
  ['accounts', { emailKey: 1 }, { name: 'email_unique', unique: true }],
  ['factors', { accountId: 1 }, { name: 'account' }],
  ['recovery_codes', { accountId: 1 }, { name: 'account' }],
  ['deliveries', { accountId: 1, createdAt: 1 }, { name: 'account_time' }],
  ['deliveries', { providerMessageId: 1 }, { name: 'provider_id', sparse: true }],
  ['audit_events', { at: -1 }, { name: 'time' }],
  ['audit_events', { accountId: 1, at: -1 }, { name: 'account_time' }],
  ['counters', { expiresAt: 1 }, { name: 'expiry' }],
  ['records', { kind: 1, uid: 1 }, { name: 'uid', sparse: true }],
  ['records', { kind: 1, userCode: 1 }, { name: 'user_code', sparse: true }],
  ['records', { grantId: 1 }, { name: 'grant', sparse: true }],
  ['records', { accountId: 1 }, { name: 'account', sparse: true }],
  ['records', { expiresAt: 1 }, { name: 'expiry' }],
];

/**
 * Creates the indexes, one by one and idempotently. The TTL index only speeds up cleaning:
 * reads filter expired records and the sweeper deletes them, so a server that refuses TTL
 * indexes (FerretDB v1) costs one warning and nothing else.
 */
export async function ensureIndexes(db: Db, logger: Logger): Promise<void> {
  for (const [collection, keys, options] of indexes) {
    await db.collection(collection).createIndex(keys, options);
  }
  try {
    await db.collection('records').createIndex({ expiresAt: 1 }, { name: 'expiry_ttl', expireAfterSeconds: 0 });
  } catch (error) {
    logger.warn({ reason: (error as Error).message }, 'MongoDB refused the TTL index on records; expired records are removed by the sweeper only');
  }
}
