import type { Middleware, ParameterizedContext } from 'koa';
import type { Logger } from 'pino';
import { loggablePath } from '../http/loggable_path.ts';
import { isProviderPath } from '../provider/provider.ts';
import { random } from '../random.ts';
import type { Metrics } from './metrics.ts';

/** A route label with no ids in it, so the latency histogram keeps few series. */
function routeOf(ctx: ParameterizedContext): string {
  const matched = (ctx as { _matchedRoute?: unknown })._matchedRoute;
  if (typeof matched === 'string') return matched;
  if (isProviderPath(ctx.path)) return ctx.path.startsWith('/.well-known/') ? ctx.path : `/${ctx.path.split('/')[1]}`;
  return 'other';
}

/**
 * One log line per request with a request id that is also sent back: method, path (never
 * the query string, which can carry codes and tokens; secrets in the path redacted), status,
 * duration. Also timed into the latency histogram, whose route label is the route's pattern.
 */
export function requestLog(logger: Logger, metrics: Metrics): Middleware {
  return async (ctx, next) => {
    const started = performance.now();
    const id = random.id(9);
    ctx.set('X-Request-Id', id);
    ctx.state.log = logger.child({ requestId: id });
    try {
      await next();
    } finally {
      const seconds = (performance.now() - started) / 1000;
      // oidc-provider answers on the raw response; its status is there
      const status = ctx.respond === false ? ctx.res.statusCode : ctx.status;
      metrics.requests.observe({ method: ctx.method, route: routeOf(ctx), status: String(status) }, seconds);
      logger.info({ requestId: id, method: ctx.method, path: loggablePath(ctx.path), status, ms: Math.round(seconds * 1000) }, 'request');
    }
  };
}
