import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import nunjucks from 'nunjucks';
import type { Middleware } from 'koa';
import views from 'koa-views';

export const viewsDir = join(dirname(fileURLToPath(import.meta.url)), '../../views');

/** One nunjucks environment (autoescaping) for koa-views and for oidc-provider's own pages. */
export function createPages(serviceName: string, passwordMinLength: number) {
  const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(viewsDir), { autoescape: true, throwOnUndefined: false });
  env.addGlobal('serviceName', serviceName);
  env.addGlobal('passwordMinLength', passwordMinLength);
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
    middleware: ((ctx, next) => viewsMiddleware(ctx, async () => {
      const render = ctx.render;
      ctx.render = (name: string, vars?: object) => render(`${name}.njk`, vars);
      await next();
    })) satisfies Middleware,
    render: (name: string, vars: object) => env.render(`${name}.njk`, vars),
  };
}

export type Pages = ReturnType<typeof createPages>;
