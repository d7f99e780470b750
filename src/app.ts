import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Router from '@koa/router';
import Koa from 'koa';
import type { Container } from './container.ts';
import { errorHandler } from './http/error_handler.ts';
import { requestLog } from './http/request_log.ts';
import { createPages, viewsDir } from './http/pages.ts';
import { securityHeaders } from './http/security_headers.ts';
import { createInteractionRouter } from './interactions/router.ts';
import { createKnownBrowsers } from './interactions/known_browsers.ts';
import { createPendingSignIns } from './interactions/pending_sign_in.ts';
import { createAdapterClass } from './oidc/adapter.ts';
import { createFindAccount } from './oidc/find_account.ts';
import { loadProviderKeys } from './oidc/keys.ts';
import { createProvider, isProviderPath } from './oidc/provider.ts';
import { twilioStatusCallbackUrl, twilioStatusRouter } from './otp/twilio_status_hook.ts';
import { createCsrf } from './security/csrf.ts';

function operationsRouter(container: Container) {
  const router = new Router();
  const stylesheet = readFileSync(join(viewsDir, 'stepup.css'));
  router.get('/assets/stepup.css', (ctx) => {
    ctx.type = 'text/css';
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.body = stylesheet;
  });
  router.get('/healthz', async (ctx) => {
    try {
      await container.store.ping();
      ctx.body = { status: 'ok', storage: container.store.kind };
    } catch {
      ctx.status = 503;
      ctx.body = { status: 'unavailable', storage: container.store.kind };
    }
  });
  return router;
}

/** The koa app: headers, errors, our routes, then oidc-provider for everything else. */
export async function createApp(container: Container) {
  const { config, store, cipher, clock, logger } = container;
  const pages = createPages(config.serviceName);
  const keys = await loadProviderKeys(store.settings);
  const provider = createProvider({
    config,
    keys,
    pages,
    adapter: createAdapterClass(store.records, store.clients, cipher, clock),
    findAccount: createFindAccount(store.accounts, store.factors),
  });
  const interactions = createInteractionRouter({
    provider,
    accounts: store.accounts,
    checkPassword: container.checkPassword,
    secondFactors: container.secondFactors,
    deliveredCodes: container.deliveredCodes,
    pendingSignIns: createPendingSignIns(store.records, clock, config.ttl.interactionSeconds * 1000),
    csrf: createCsrf(cipher.hashKey),
    lockout: container.lockout,
    overLimit: container.overLimit,
    audit: container.audit,
    alert: container.alert,
    knownBrowsers: createKnownBrowsers(store.records, clock, cipher.hashKey, config.issuer.startsWith('https:')),
    clock,
    passwordMaxLength: config.password.maxLength,
  });
  const operations = operationsRouter(container);

  const app = new Koa();
  // signs our own cookies (the known-browser mark) with the same keys as oidc-provider's
  app.keys = keys.cookieKeys;
  app.use(requestLog(logger));
  app.use(securityHeaders(config.issuer.startsWith('https:')));
  app.use(errorHandler(logger, pages));
  app.use(pages.middleware);
  app.use(operations.routes());
  if (config.twilioAuthToken) {
    app.use(twilioStatusRouter(store.deliveries, config.twilioAuthToken, twilioStatusCallbackUrl(config.issuer)).routes());
  }
  app.use(interactions.routes());
  // 405 for a wrong method on our routes, rendered by the error handler
  app.use(interactions.allowedMethods({ throw: true }));
  const oidc = provider.callback();
  app.use(async (ctx, next) => {
    if (!isProviderPath(ctx.path)) return next();
    ctx.respond = false;
    await oidc(ctx.req, ctx.res);
  });
  return { app, provider };
}
