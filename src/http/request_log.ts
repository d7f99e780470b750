import type { Middleware } from 'koa';
import type { Logger } from 'pino';
import { random } from '../random.ts';

/**
 * One debug line per request: method, path (never the query string, which can carry
 * codes and tokens), status, duration, and a request id that is also sent back.
 */
export function requestLog(logger: Logger): Middleware {
  return async (ctx, next) => {
    const started = performance.now();
    const id = random.id(9);
    ctx.set('X-Request-Id', id);
    try {
      await next();
    } finally {
      logger.debug({ id, method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(performance.now() - started) }, 'request');
    }
  };
}
