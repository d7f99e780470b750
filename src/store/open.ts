import type { MongoClient } from 'mongodb';
import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import { loadOptional } from '../optional_package.ts';
import type { Store } from './ports.ts';

/**
 * A client of the mongodb package (its `MongoClient`), named by the one method a host's own
 * would show, so that Stepup's published types need no mongodb package where MongoDB is not used.
 */
export interface HostMongoClient {
  db(name?: string): unknown;
}

/** Where Stepup keeps its data: an embedded SQLite file, or a MongoDB database. */
export type StoreLocation = { sqlitePath: string } | { mongodbUri: string } | { mongoClient: HostMongoClient; database?: string };

/**
 * Opens (creating when new, upgrading when older) the store at `location`: the one place
 * that does, for the server, the CLI and a plugin host alike. Each store's driver loads only
 * when that store is used.
 */
export async function openStore(location: StoreLocation, clock: Clock, logger: Logger): Promise<Store> {
  // node:sqlite loads only for an embedded store: a MongoDB host needs none
  if ('sqlitePath' in location) return (await import('./sqlite/index.ts')).openSqliteStore(location.sqlitePath, clock, logger);
  // mongodb is an optional package: a host on SQLite installs none
  const { mongoStoreOn, openMongoStore } = await loadOptional('mongodb', 'A MongoDB store', () => import('./mongo/index.ts'));
  if ('mongodbUri' in location) return openMongoStore(location.mongodbUri, clock, logger);
  const client = location.mongoClient as MongoClient;
  return mongoStoreOn(client, client.db(location.database), clock, logger, { ownsClient: false });
}
