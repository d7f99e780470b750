import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import nunjucks from 'nunjucks';
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
  return {
    /** koa-views middleware: `ctx.render('login', vars)` */
    middleware: views(viewsDir, { extension: 'njk', map: { njk: 'nunjucks' }, engineSource }),
    render: (name: string, vars: object) => env.render(`${name}.njk`, vars),
  };
}

export type Pages = ReturnType<typeof createPages>;
