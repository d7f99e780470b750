import Koa from 'koa';
import { createAccountRouter } from './account_area/router.ts';
import { adminApiRouter, disabledAdminApi } from './admin_api/router.ts';
import { adminRoutes } from './admin_api/routes.ts';
import { createConsoleRouter } from './admin_console/router.ts';
import { buildServer, type Container } from './container.ts';
import { refuseOtherMethods } from './http/allowed_methods.ts';
import { errorHandler } from './http/error_handler.ts';
import { securityHeaders } from './http/security_headers.ts';
import { trustForwardedHeaders } from './http/trusted_proxies.ts';
import { createLoginRouter } from './login/router.ts';
import { twilioStatusCallbackUrl, twilioStatusRouter } from './notifications/twilio_status_hook.ts';
import { operationsRouter } from './operations/operations_router.ts';
import { requestLog } from './operations/request_log.ts';
import { limitSignInStarts } from './provider/authorization_limit.ts';
import { issuerHostOnly } from './provider/issuer_host_only.ts';
import { isProviderPath, providerRoutes } from './provider/provider.ts';
import { refuseOtherProviderMethods } from './provider/provider_methods.ts';
import { cachePublicDocuments } from './provider/public_documents.ts';
import { cookieKeys } from './security/cookie_signer.ts';
import { inRequestScope } from './store/read_ahead.ts';

/** The koa app: headers, errors, our routes, then oidc-provider for everything else. */
export async function createApp(container: Container) {
  const { config, store, clock, logger } = container;
  const { stepup } = container;
  const { pages, current, csrf, passwordStep, passkeySignIn, accountSessions, consoleSessions } = await buildServer(container);
  const secureCookies = config.issuer.startsWith('https:');
  const login = createLoginRouter({
    get provider() {
      return current.provider;
    },
    stepup,
    passwordStep,
    passkeySignIn,
    overLimit: container.overLimit,
    clock,
    passwordMaxLength: config.password.maxLength,
    resourceServers: config.resourceServers,
  });
  const accountArea = createAccountRouter({
    get provider() {
      return current.provider;
    },
    accounts: store.accounts,
    records: store.records,
    accountSessions,
    secondFactors: container.secondFactors,
    deliveredCodes: container.deliveredCodes,
    passkeys: container.passkeys,
    rememberedBrowsers: container.stepup.rememberedBrowsers,
    selfService: container.selfService,
    passwords: container.passwords,
    factorUndo: container.factorUndo,
    recentActivity: container.recentActivity,
    csrf,
    overLimit: container.overLimit,
    audit: container.audit,
    clock,
    issuer: config.issuer,
    serviceName: config.serviceName,
    sessionMs: config.account.sessionSeconds * 1000,
    freshMs: config.account.freshSeconds * 1000,
    passkeyHoldMs: config.passkeys.newCredentialHoldSeconds * 1000,
    secureCookies,
    passwordMaxLength: config.password.maxLength,
  });
  const adminConsole = createConsoleRouter({
    get provider() {
      return current.provider;
    },
    accounts: store.accounts,
    factors: store.factors,
    records: store.records,
    consoleSessions,
    clientAdmin: container.clientAdmin,
    userAdmin: container.userAdmin,
    auditQueries: container.auditQueries,
    keyAdmin: container.keyAdmin,
    recentActivity: container.recentActivity,
    csrf,
    clock,
    issuer: config.issuer,
    serviceName: config.serviceName,
    idleMs: config.console.idleSeconds * 1000,
    freshMs: config.console.freshSeconds * 1000,
    passkeys: container.passkeys,
    secondFactorStep: stepup.secondFactorStep,
    secureCookies,
  });
  const operations = operationsRouter(container, current);

  const app = new Koa();
  trustForwardedHeaders(app, config.trustProxy);
  // signs our own cookies (the known-browser mark) with the same keys as oidc-provider's
  app.keys = cookieKeys(current.keys.cookieKeys);
  container.browserCookieKeys.current = app.keys;
  /** Picks up rotated keys; main.ts calls it on a timer, tests call it directly. */
  const refreshKeys = async () => {
    const changed = await current.refresh();
    if (changed) {
      app.keys = cookieKeys(current.keys.cookieKeys);
      container.browserCookieKeys.current = app.keys;
      logger.info({ signing: current.keys.jwks.keys.map((k) => k.kid) }, 'keys changed: now publishing and signing with the new schedule');
    }
    return changed;
  };
  app.use(requestLog(logger, container.metrics));
  app.use(securityHeaders(secureCookies));
  app.use(errorHandler(logger, pages));
  // each request its read-ahead scope (store/read_ahead.ts): inside the error handler, which
  // answers for a write held back to the request's end that fails
  app.use((_ctx, next) => inRequestScope(next));
  app.use(pages.middleware);
  // 405 for a wrong method on any of our routes, rendered by the error handler
  app.use(refuseOtherMethods());
  // Stepup's own routes; none sits on oidc-provider's paths, so a request to those (the token
  // endpoint, which clients call all day for refresh grants) skips their routers' matching
  const own =
    <S, C>(routes: Koa.Middleware<S, C>): Koa.Middleware<S, C> =>
    (ctx, next) =>
      isProviderPath(ctx.path) ? next() : routes(ctx, next);
  app.use(own(operations.routes()));
  if (config.adminToken) {
    const admin = adminApiRouter(adminRoutes(container), config.adminToken, config.issuer);
    app.use(own(admin.routes()));
  } else {
    app.use(disabledAdminApi());
  }
  if (config.twilioAuthToken) {
    app.use(own(twilioStatusRouter(store.deliveries, config.twilioAuthToken, twilioStatusCallbackUrl(config.issuer)).routes()));
  }
  // Stepup's pages first: it answers the second-factor prompt at the interaction's address
  app.use(own(stepup.routes()));
  app.use(own(login.routes()));
  app.use(own(accountArea.routes()));
  app.use(own(adminConsole.routes()));
  app.use(issuerHostOnly(config.issuer));
  app.use(limitSignInStarts([providerRoutes.authorization, providerRoutes.pushed_authorization_request], container));
  app.use(refuseOtherProviderMethods(providerRoutes, config.issuer));
  app.use(cachePublicDocuments(providerRoutes.jwks));
  app.use(async (ctx, next) => {
    if (!isProviderPath(ctx.path)) return next();
    ctx.respond = false;
    await current.callback(ctx.req, ctx.res);
  });
  return { app, current, refreshKeys };
}
