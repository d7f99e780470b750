/**
 * An error whose message may be shown to the person or API caller when `expose` is true.
 * Everything else is answered with a generic message and logged.
 */
export class AppError extends Error {
  readonly status: number;
  readonly code: string;
  readonly expose: boolean;
  /** response headers that go with the error, e.g. Retry-After */
  readonly headers: Record<string, string>;
  /** the message's catalog key (locales/*.json) and values: an error page says it in the person's language */
  words?: ErrorWords;

  constructor(status: number, code: string, message: string, expose = true, headers: Record<string, string> = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.expose = expose;
    this.headers = headers;
  }
}

/** 429 with Retry-After, for rate limits. */
export function tooManyRequests(waitMs: number): AppError {
  const seconds = Math.max(1, Math.ceil(waitMs / 1000));
  return new AppError(429, 'rate_limited', `Too many attempts. Try again in ${seconds} seconds.`, true, { 'Retry-After': String(seconds) });
}

/** An error's message as a catalog key and its values, for the pages; `message` stays its English. */
export interface ErrorWords {
  key: string;
  values?: Record<string, string | number>;
}

/** The error, with the catalog key of its message. */
export function worded(error: AppError, words: ErrorWords): AppError {
  error.words = words;
  return error;
}

export const badRequest = (message: string, code = 'invalid_request') => new AppError(400, code, message);
export const notFound = (message: string) => new AppError(404, 'not_found', message);
export const conflict = (message: string) => new AppError(409, 'conflict', message);
/** A form whose CSRF token is missing, stale or not ours. */
export const forgedForm = () => new AppError(403, 'csrf', 'This form has expired or did not come from this page. Go back, reload the page and try again.');

export function assertThat(condition: unknown, error: AppError): asserts condition {
  if (!condition) throw error;
}

export const methodNotAllowed = () => new AppError(405, 'method_not_allowed', 'This address does not accept that kind of request.');
