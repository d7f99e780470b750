import type { MongoClient } from 'mongodb';
import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import type { Store } from './ports.ts';

/** Where Stepup keeps its data: an embedded SQLite file, or a MongoDB database. */
export type StoreLocation = { sqlitePath: string } | { mongodbUri: string } | { mongoClient: MongoClient; database?: string };

/**
 * Opens (creating when new, upgrading when older) the store at `location`: the one place
 * that does, for the server, the CLI and a plugin host alike. Each store's driver loads only
 * when that store is used.
 */
export async function openStore(location: StoreLocation, clock: Clock, logger: Logger): Promise<Store> {
  // node:sqlite loads only for an embedded store: a MongoDB host needs none
  if ('sqlitePath' in location) return (await import('./sqlite/index.ts')).openSqliteStore(location.sqlitePath, clock, logger);
  const { mongoStoreOn, openMongoStore } = await import('./mongo/index.ts');
  if ('mongodbUri' in location) return openMongoStore(location.mongodbUri, clock, logger);
  return mongoStoreOn(location.mongoClient, location.mongoClient.db(location.database), clock, logger, { ownsClient: false });
}
