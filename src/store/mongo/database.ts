import { type Db, type IndexDescription, MongoClient } from 'mongodb';
import { ConnectionString } from 'mongodb-connection-string-url';
import { StoreUnavailableError } from '../errors.ts';

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

/**
 * Connects, failing within a few seconds with a clear message when no server answers. While
 * it is running, a request that finds no server fails after 2 s (an answer of 503) instead of
 * waiting the driver's 30 s, and /healthz answers within those 2 s.
 */
export async function connect(uri: string): Promise<{ client: MongoClient; db: Db }> {
  // commands are monitored to count round trips (Store.roundTrips)
  const client = new MongoClient(uri, { appName: 'stepup', serverSelectionTimeoutMS: 2000, monitorCommands: true });
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
export const namespaceNotFound = 26;
export const indexNotFound = 27;

export const isDuplicateKey = (error: unknown) => (error as { code?: unknown } | null)?.code === duplicateKey;

/** Per collection: one createIndexes command makes a new collection with all of them at once. */
const indexes: Record<string, IndexDescription[]> = {
  accounts: [{ key: { emailKey: 1 }, name: 'email_unique', unique: true }],
  factors: [
    { key: { accountId: 1 }, name: 'account' },
    // a credential belongs to one account; factors of other kinds have none
    { key: { 'passkey.credentialId': 1 }, name: 'credential_unique', unique: true, sparse: true },
  ],
  recovery_codes: [{ key: { accountId: 1 }, name: 'account' }],
  deliveries: [
    { key: { accountId: 1, createdAt: 1 }, name: 'account_time' },
    { key: { createdAt: -1 }, name: 'time' },
    { key: { providerMessageId: 1 }, name: 'provider_id', sparse: true },
  ],
  audit_events: [
    { key: { at: -1 }, name: 'time' },
    { key: { accountId: 1, at: -1 }, name: 'account_time' },
  ],
  // counters hold expiresAt as milliseconds, which a TTL index ignores: the sweeper deletes them
  counters: [{ key: { expiresAt: 1 }, name: 'expiry' }],
  lockouts: [{ key: { expiresAt: 1 }, name: 'expiry' }],
  records: [
    { key: { kind: 1, uid: 1 }, name: 'uid', sparse: true },
    { key: { kind: 1, userCode: 1 }, name: 'user_code', sparse: true },
    { key: { grantId: 1 }, name: 'grant', sparse: true },
    { key: { accountId: 1 }, name: 'account', sparse: true },
    // deletes expired records (a Date) when the server's TTL monitor runs; it also serves the sweeper
    { key: { expiresAt: 1 }, name: 'expiry_ttl', expireAfterSeconds: 0 },
  ],
};

/** Creates the indexes idempotently (after the steps, which drop any that a new one replaces). */
export async function ensureIndexes(db: Db): Promise<void> {
  for (const [collection, descriptions] of Object.entries(indexes)) {
    await db.collection(collection).createIndexes(descriptions);
  }
}

/** A rejection handler that answers false for the given server error codes and throws the rest. */
export const ignoreCodes =
  (...codes: number[]) =>
  (error: unknown): false => {
    if (codes.includes((error as { code?: number } | null)?.code ?? NaN)) return false;
    throw error;
  };
