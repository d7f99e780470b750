import { ignoreCodes, indexNotFound, namespaceNotFound } from '../database.ts';
import type { MongoStep } from './step.ts';

/**
 * Records' plain `expiry` index goes before the TTL one `expiry_ttl` comes (ensureIndexes, after
 * the steps): MongoDB refuses two indexes on the same keys (85, IndexOptionsConflict).
 */
export const recordsExpiryTtl: MongoStep = {
  version: 1,
  name: 'records_expiry_ttl',
  async up(db, { logger }) {
    // absent from new databases
    const dropped = await db
      .collection('records')
      .dropIndex('expiry')
      .then(() => true, ignoreCodes(namespaceNotFound, indexNotFound));
    if (dropped) logger.info({ collection: 'records', index: 'expiry' }, 'dropped an index of an earlier version that a new one replaces');
  },
};
