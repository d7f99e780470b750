import type { Middleware } from 'koa';
import { methodNotAllowed } from '../errors.ts';

/**
 * 405 with an Allow header when a path one of our routers knows is asked with another
 * method, unknown ones (TRACE) included; koa-router's own answer for those is a 501.
 */
export function refuseOtherMethods(): Middleware {
  return async (ctx, next) => {
    await next();
    const matched = (ctx as { matched?: { methods: string[] }[] }).matched;
    if (!matched || ctx.status !== 404 || ctx.body !== undefined) return;
    const allowed = [...new Set(matched.flatMap((layer) => layer.methods))];
    if (allowed.length === 0 || allowed.includes(ctx.method)) return;
    ctx.set('Allow', allowed.join(', '));
    throw methodNotAllowed();
  };
}
