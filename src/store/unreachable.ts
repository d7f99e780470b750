import { StoreUnavailableError } from './errors.ts';
import { isMongoUnreachable } from './mongo/unreachable.ts';

const unreachable = (error: unknown) => error instanceof StoreUnavailableError || isMongoUnreachable(error);

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
