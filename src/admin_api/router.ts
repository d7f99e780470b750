import { createHash, timingSafeEqual } from 'node:crypto';
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import type { Middleware } from 'koa';
import { parseInput } from '../admin/input.ts';
import { AppError } from '../errors.ts';
import { adminApiBase, openApiDocument } from './openapi.ts';
import type { AdminRoute } from './routes.ts';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Bearer ADMIN_TOKEN, compared in constant time (hashes of equal length, whatever was sent). */
function requireAdminToken(token: string): Middleware {
  const expected = digest(token);
  return async (ctx, next) => {
    const sent = /^Bearer (.+)$/.exec(ctx.get('Authorization'))?.[1];
    if (sent === undefined || !timingSafeEqual(digest(sent), expected)) {
      throw new AppError(401, 'unauthorized', 'a valid admin token is required: Authorization: Bearer <ADMIN_TOKEN>', true, {
        'WWW-Authenticate': 'Bearer realm="stepup-admin"',
      });
    }
    await next();
  };
}

const toKoaPath = (path: string) => path.replace(/\{(\w+)\}/g, ':$1');

/** /admin/api/v1: the route table mounted behind the admin token; the document is public. */
export function adminApiRouter(routes: AdminRoute[], adminToken: string, issuer: string): Router {
  const router = new Router({ prefix: adminApiBase });
  const document = openApiDocument(routes, issuer);
  router.get('/openapi.json', (ctx) => {
    ctx.body = document;
  });
  const parseBody = bodyParser({ enableTypes: ['json'], jsonLimit: '1mb', encoding: 'utf-8' });
  for (const route of routes) {
    router[route.method](
      toKoaPath(route.path),
      requireAdminToken(adminToken),
      async (ctx, next) => {
        if (route.body && ctx.request.length && !ctx.is('application/json')) {
          throw new AppError(415, 'unsupported_media_type', 'send the body as application/json');
        }
        return parseBody(ctx, next);
      },
      async (ctx) => {
        const params = route.params ? parseInput(route.params, ctx.params, 'path') : {};
        const query = route.query ? parseInput(route.query, ctx.query, 'query') : {};
        // the body parser gives {} for no body at all; that is a missing body, not an empty object
        const { body: raw, rawBody } = ctx.request;
        const body = route.body ? parseInput(route.body, rawBody ? raw : undefined, 'body') : undefined;
        const result = await route.handle({ params, query, body });
        ctx.set('Cache-Control', 'no-store');
        ctx.status = route.status;
        if (route.status !== 204) ctx.body = result;
      },
    );
  }
  return router;
}

/** The same router, unmounted: every admin path answers that the API is off. */
export function disabledAdminApi(): Middleware {
  return async (ctx, next) => {
    if (!ctx.path.startsWith('/admin/api')) return next();
    throw new AppError(404, 'admin_api_disabled', 'the admin API is disabled: set ADMIN_TOKEN to enable it');
  };
}
