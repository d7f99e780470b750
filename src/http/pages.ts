import nunjucks from 'nunjucks';
import type { Middleware } from 'koa';
import { viewsDir } from '../paths.ts';

declare module 'koa' {
  interface ExtendableContext {
    render(name: string, vars?: object): Promise<void>;
  }
}

/** One nunjucks environment (autoescaping) for our pages and for oidc-provider's own. */
export function createPages(serviceName: string, globals: Record<string, unknown> = {}) {
  const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(viewsDir), { autoescape: true, throwOnUndefined: false });
  env.addGlobal('serviceName', serviceName);
  for (const [name, value] of Object.entries(globals)) env.addGlobal(name, value);
  return {
    /**
     * `ctx.render('login', vars)`: the page, with ctx.state's values, as the response.
     * Set for every request it runs on, so Stepup's pages and a host's each use their own.
     */
    middleware: (async (ctx, next) => {
      ctx.render = async (name: string, vars: object = {}) => {
        ctx.type = 'html';
        ctx.body = env.render(`${name}.njk`, { ...ctx.state, ...vars });
      };
      await next();
    }) satisfies Middleware,
    render: (name: string, vars: object) => env.render(`${name}.njk`, vars),
  };
}

export type Pages = ReturnType<typeof createPages>;
