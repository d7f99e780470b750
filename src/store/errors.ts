/**
 * The store cannot be reached or opened: an answer of 503 (try again), or a clear message at
 * start. No driver is imported here, so the `stepup` command can name this error without
 * loading MongoDB's (see unreachable.ts for the driver's own errors).
 */
export class StoreUnavailableError extends Error {}
