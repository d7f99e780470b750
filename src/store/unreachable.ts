import { StoreUnavailableError } from './errors.ts';

/**
 * The drivers' own tests for a server gone away, each added when its store loads: the MongoDB
 * driver is an optional package that a host on SQLite never loads (see mongo/index.ts).
 */
const driverChecks = new Set<(error: unknown) => boolean>();
export const recognizeUnreachable = (check: (error: unknown) => boolean) => driverChecks.add(check);

const unreachable = (error: unknown) => error instanceof StoreUnavailableError || [...driverChecks].some((check) => check(error));

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
