import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import type { Middleware, ParameterizedContext } from 'koa';
import views from 'koa-views';
import nunjucks from 'nunjucks';
import { translator } from '../i18n/translator.ts';
import { type Brand, brandOf, type Theme } from '../model/branding.ts';
import { viewsDir } from '../paths.ts';
import { dateWords, languageLocals, noteLanguageChoice, strongTranslate } from './language.ts';
import { allowImagesFrom } from './security_headers.ts';

/**
 * A host's own layout for Stepup's pages: `layout.njk` is read from `file`, every other
 * template from Stepup's views (the host's folder never shadows a page of Stepup's).
 */
function hostLayoutLoader(file: string): nunjucks.ILoader {
  return {
    getSource: (name: string) => (name === 'layout.njk' ? { src: readFileSync(file, 'utf8'), path: file, noCache: false } : null),
  } as unknown as nunjucks.ILoader;
}

/** For a page rendered with no request (a test's, a chart's): English, with no switcher. */
function englishWords() {
  const { t } = translator('en');
  return { t, tStrong: strongTranslate(t), lang: 'en', dir: 'ltr', languageLinks: [], ...dateWords('en') };
}

/**
 * One nunjucks environment (autoescaping) for koa-views and for oidc-provider's own pages;
 * with `layout`, a host's template replaces layout.njk (blocks `title`, `content`, `width`).
 */
export function createPages(
  serviceName: string,
  globals: Record<string, unknown> = {},
  { layout, theme = { footerLinks: [] } }: { layout?: string; theme?: Theme } = {},
) {
  const loaders = [...(layout ? [hostLayoutLoader(layout)] : []), new nunjucks.FileSystemLoader(viewsDir)];
  const env = new nunjucks.Environment(loaders, { autoescape: true, throwOnUndefined: false });
  env.addGlobal('serviceName', serviceName);
  const englishLocals = englishWords();
  // English where a template has no request's translator (macros imported without context: the console's)
  for (const [name, value] of Object.entries(englishLocals)) env.addGlobal(name, value);
  // where the stylesheet and the passkey script are served: under a plugin host's basePath
  env.addGlobal('assets', '/assets');
  for (const [name, value] of Object.entries(globals)) env.addGlobal(name, value);
  // the look of a page: its application's brand over the deployment's theme (layout.njk)
  const brandFor = (client: object | undefined): Brand => brandOf((client ?? {}) as Record<string, unknown>, theme);
  env.addGlobal('brandFor', brandFor);
  env.addGlobal('theme', theme);
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
      noteLanguageChoice(ctx);
      return viewsMiddleware(ctx, async () => {
        const render = ctx.render;
        // each page in the request's language (`t`, `lang`, `dir` and the switcher's links)
        ctx.render = async (name: string, vars?: object) => {
          await render(`${name}.njk`, { ...languageLocals(ctx, vars), ...vars });
          // an application's logo at its own https URL: the page's CSP lets that origin's images in
          const logo = brandFor((vars as { it?: { client?: object } } | undefined)?.it?.client).logo;
          if (logo?.startsWith('https:')) allowImagesFrom(ctx, new URL(logo).origin);
        };
        await next();
      });
    }) satisfies Middleware,
    /** A page outside koa-views (error pages, oidc-provider's own), in the request's language. */
    render: (name: string, vars: object, ctx?: ParameterizedContext) =>
      env.render(`${name}.njk`, { ...(ctx ? languageLocals(ctx, vars) : englishLocals), ...vars }),
  };
}

export type Pages = ReturnType<typeof createPages>;
