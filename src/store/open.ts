import type { MongoClient } from 'mongodb';
import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import type { Store } from './ports.ts';
import { openSqliteStore } from './sqlite/index.ts';

/** Where Stepup keeps its data: an embedded SQLite file, or a MongoDB database. */
export type StoreLocation = { sqlitePath: string } | { mongodbUri: string } | { mongoClient: MongoClient; database?: string };

/**
 * Opens (creating when new, upgrading when older) the store at `location`: the one place
 * that does, for the server, the CLI and a plugin host alike. The MongoDB driver loads only
 * for a MongoDB location.
 */
export async function openStore(location: StoreLocation, clock: Clock, logger: Logger): Promise<Store> {
  if ('sqlitePath' in location) return openSqliteStore(location.sqlitePath, clock, logger);
  const { mongoStoreOn, openMongoStore } = await import('./mongo/index.ts');
  if ('mongodbUri' in location) return openMongoStore(location.mongodbUri, clock, logger);
  return mongoStoreOn(location.mongoClient, location.mongoClient.db(location.database), clock, logger, { ownsClient: false });
}
