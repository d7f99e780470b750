import nunjucks from 'nunjucks';
import type { Middleware } from 'koa';
import { viewsDir } from '../paths.ts';

declare module 'koa' {
  interface ExtendableContext {
    /** Renders the page `name` with the request's state and `locals` as the HTML body. */
    render(name: string, locals?: object): Promise<void>;
  }
}

/** One nunjucks environment (autoescaping) for our pages and for oidc-provider's own. */
export function createPages(serviceName: string, globals: Record<string, unknown> = {}) {
  const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(viewsDir), { autoescape: true, throwOnUndefined: false });
  env.addGlobal('serviceName', serviceName);
  for (const [name, value] of Object.entries(globals)) env.addGlobal(name, value);
  return {
    /**
     * `ctx.render('login', vars)`, with `ctx.state` under the vars. The environment's loader
     * compiles each template once and keeps it; nothing looks at the file system per page
     * (koa-views, used before, looked the file up on the thread pool at every render).
     */
    middleware: ((ctx, next) => {
      // a host's own pages middleware may have run first: these routes render with this one
      ctx.render = async (name: string, locals?: object) => {
        ctx.type = 'text/html';
        ctx.body = env.render(`${name}.njk`, { ...ctx.state, ...locals });
      };
      return next();
    }) satisfies Middleware,
    render: (name: string, vars: object) => env.render(`${name}.njk`, vars),
  };
}

export type Pages = ReturnType<typeof createPages>;
