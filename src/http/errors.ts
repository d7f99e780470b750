/**
 * An error whose message may be shown to the person or API caller when `expose` is true.
 * Everything else is answered with a generic message and logged.
 */
export class AppError extends Error {
  readonly status: number;
  readonly code: string;
  readonly expose: boolean;

  constructor(status: number, code: string, message: string, expose = true) {
    super(message);
    this.status = status;
    this.code = code;
    this.expose = expose;
  }
}

export const badRequest = (message: string, code = 'invalid_request') => new AppError(400, code, message);
export const notFound = (message: string) => new AppError(404, 'not_found', message);
export const conflict = (message: string) => new AppError(409, 'conflict', message);

export function assertThat(condition: unknown, error: AppError): asserts condition {
  if (!condition) throw error;
}
