import {
  MongoNetworkError,
  MongoNotConnectedError,
  MongoServerClosedError,
  MongoServerError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
} from 'mongodb';

/** The store cannot be reached or opened: an answer of 503 (try again), or a clear message at start. */
export class StoreUnavailableError extends Error {}

/** MongoDB's codes for a server that is going away, coming back or not reachable: try again later. */
const unavailableCodes = new Set([6, 7, 89, 91, 189, 9001, 10107, 11600, 11602, 13435, 13436]);

const unreachable = (error: unknown) =>
  error instanceof StoreUnavailableError ||
  error instanceof MongoNetworkError ||
  error instanceof MongoServerSelectionError ||
  error instanceof MongoTopologyClosedError ||
  error instanceof MongoServerClosedError ||
  error instanceof MongoNotConnectedError ||
  (error instanceof MongoServerError && (unavailableCodes.has(Number(error.code)) || error.hasErrorLabel('RetryableWriteError')));

/**
 * Whether an error means the store is down for now (a 503, try again), not a fault in the
 * request or in Stepup: ours, or the MongoDB driver's for a server it cannot reach, lost, or
 * that is restarting; also when such an error is the cause of another.
 */
export function isStoreUnreachable(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 5; current = (current as { cause?: unknown }).cause, depth += 1) {
    if (unreachable(current)) return true;
  }
  return false;
}
