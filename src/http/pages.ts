import { relative } from 'node:path';
import type { Middleware } from 'koa';
import views from 'koa-views';
import nunjucks from 'nunjucks';
import { viewsDir } from '../paths.ts';

/** One nunjucks environment (autoescaping) for koa-views and for oidc-provider's own pages. */
export function createPages(serviceName: string, globals: Record<string, unknown> = {}) {
  const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(viewsDir), { autoescape: true, throwOnUndefined: false });
  env.addGlobal('serviceName', serviceName);
  // where the stylesheet and the passkey script are served: under a plugin host's basePath
  env.addGlobal('assets', '/assets');
  for (const [name, value] of Object.entries(globals)) env.addGlobal(name, value);
  // koa-views' default engine reads and compiles the template on every render; the
  // environment's loader compiles each template once and keeps it
  const engineSource = {
    nunjucks: (file: string, locals: object) => Promise.resolve(env.render(relative(viewsDir, file), locals)),
  };
  const viewsMiddleware = views(viewsDir, { extension: 'njk', map: { njk: 'nunjucks' }, engineSource });
  return {
    /**
     * koa-views middleware: `ctx.render('login', vars)`. The name is passed on with its
     * extension, so koa-views looks for the file once rather than twice (each look is a
     * call on the thread pool).
     */
    middleware: ((ctx, next) => {
      // a host's own pages middleware may have run first: these routes render with this one
      delete (ctx as { render?: unknown }).render;
      return viewsMiddleware(ctx, async () => {
        const render = ctx.render;
        ctx.render = (name: string, vars?: object) => render(`${name}.njk`, vars);
        await next();
      });
    }) satisfies Middleware,
    render: (name: string, vars: object) => env.render(`${name}.njk`, vars),
  };
}

export type Pages = ReturnType<typeof createPages>;
