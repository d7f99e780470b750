import { MongoNetworkError, MongoServerSelectionError, MongoTopologyClosedError } from 'mongodb';

/** The store cannot be reached or opened: an answer of 503 (try again), or a clear message at start. */
export class StoreUnavailableError extends Error {}

/**
 * Whether an error means the store is down for now (a 503, try again), not a fault in the
 * request or in Stepup: ours, or the MongoDB driver's for a server it cannot reach or lost.
 */
export const isStoreUnreachable = (error: unknown) =>
  error instanceof StoreUnavailableError ||
  error instanceof MongoNetworkError ||
  error instanceof MongoServerSelectionError ||
  error instanceof MongoTopologyClosedError;
