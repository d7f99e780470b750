import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isAbsolute } from 'node:path';
import Koa, { type ParameterizedContext } from 'koa';
import type Provider from 'oidc-provider';
import type { Configuration, InteractionResults } from 'oidc-provider';
import { type Logger, pino } from 'pino';
import { ACR_1FA, letThrough, type Proof, passedWith, type RiskSignal, requiredLevel } from '../assurance/index.ts';
import { type AuditInput, createAudit, type RecordAudit } from '../audit/audit.ts';
import { type Clock, systemClock } from '../clock.ts';
import { createSecondFactorStep } from '../factors/check_step.ts';
import { createDeliveredCodes } from '../factors/delivered_codes.ts';
import type { FactorPassed } from '../factors/methods.ts';
import { createPasskeys } from '../factors/passkeys.ts';
import { createPendingEnrolments } from '../factors/pending_enrolments.ts';
import { createSecondFactors } from '../factors/registry.ts';
import { createRememberedBrowsers } from '../factors/remembered_browsers.ts';
import { createSmsBudgets } from '../factors/sms_budgets.ts';
import { createTotp } from '../factors/totp.ts';
import { errorHandler } from '../http/error_handler.ts';
import { createPages } from '../http/pages.ts';
import { requestInfo } from '../http/request_info.ts';
import type { Language } from '../i18n/languages.ts';
import { signIn } from '../interactions/complete_sign_in.ts';
import { type CurrentInteraction, expiredInteraction, loadInteraction, requireCsrf } from '../interactions/current_interaction.ts';
import type { InteractionDeps } from '../interactions/deps.ts';
import { createKnownBrowsers } from '../interactions/known_browsers.ts';
import { createPendingSignIns } from '../interactions/pending_sign_in.ts';
import { saveResult, stepUrl } from '../interactions/respond.ts';
import { createInteractionRouter, stylesheetRouter } from '../interactions/router.ts';
import { proofOf } from '../interactions/sign_in_assurance.ts';
import { createAccountMailer, createAlerts, type FactorUndoLinks } from '../notifications/alerts.ts';
import { createAlertMessages, createCodeMessages } from '../notifications/messages.ts';
import type { Sender } from '../notifications/senders/sender.ts';
import { createUnavailableSender } from '../notifications/senders/unavailable_sender.ts';
import { createSmsBudgetAlert } from '../notifications/sms_budget_alert.ts';
import { createAuthorizationDetails } from '../oidc/authorization_details.ts';
import { mfaPolicyOf } from '../oidc/client_metadata.ts';
import { stepupConfiguration } from '../oidc/provider_configuration.ts';
import { keepSecondFactorTime } from '../oidc/second_factor_time.ts';
import type { People, Person } from '../person.ts';
import { createAdaptiveStepUp } from '../risk/adaptive_step_up.ts';
import { openGeoip } from '../risk/geoip.ts';
import { parseAtRestKeys } from '../security/at_rest_keys.ts';
import { type Cipher, createCipher } from '../security/cipher.ts';
import { createCsrf } from '../security/csrf.ts';
import { keyedHash } from '../security/keyed_hash.ts';
import { createLockout } from '../security/lockout.ts';
import { createRateLimiter } from '../security/rate_limit.ts';
import { sealedRecords } from '../security/sealed_records.ts';
import { openStore, type StoreLocation } from '../store/open.ts';
import type { Store } from '../store/ports.ts';
import { checkClientMetadataKeys } from './client_metadata_keys.ts';
import { refuseHostFinishedLogin, withHostFinishedLoginCheck } from './host_finished_login.ts';
import { interactionInUrl, originalUrlOf } from './interaction_in_url.ts';
import { resolveSettings, type SettingsInput } from './settings.ts';

/** Where Stepup keeps factors, codes, counters, pending sign-ins and its audit log. */
export type StoreOption =
  | StoreLocation
  /** a store already opened (the standalone server's); its owner closes it */
  | { opened: Store };

export interface StepupOptions {
  /** the host's issuer (OIDC); Stepup's cookies are Secure when it is https */
  issuer: string;
  /** the host's people: Stepup asks for a person by the account id the host signed in */
  people: People;
  store: StoreOption;
  /** at-rest keys for TOTP secrets and stored records: base64 of 32 bytes, several comma-separated newest first */
  encryptionKey: string | Buffer[];
  /** email and SMS delivery; a channel left out fails every send, so codes fall back to the other */
  senders?: { email?: Sender; sms?: Sender };
  /**
   * Where sign-ins happen: every prompt's page is at `${basePath}/interaction/:uid` (the host
   * serves login and consent there, Stepup the second factor and the pages below it). '' by default.
   */
  basePath?: string;
  /** codes, lockout, limits and names, over config/default.json's defaults */
  settings?: SettingsInput;
  logger?: Logger;
  clock?: Clock;
  /** keys (newest first) that sign Stepup's browser cookie; derived from the at-rest key unless given */
  cookieKeys?: () => string[];
  /** how many proxies in front of the host append to X-Forwarded-For (for `callback()`, as koa's maxIpsCount) */
  trustedProxies?: number;
  /** told when a person proved they read mail at an address, with an email code (the server marks the address verified) */
  onEmailProven?: (personId: string, address: string) => Promise<void>;
  /** told of every audit event as it is written (the standalone server counts them) */
  onAudit?: (event: AuditInput) => void;
  /**
   * Links for the "factor added" alert of a factor added at sign-in: one that removes it, served
   * by the host (the standalone server's account area does). Without it the alert has none.
   */
  undoLinks?: FactorUndoLinks;
  /** who is emailed when the day's SMS budget is spent (the standalone server: its admins); the audit log says it either way */
  admins?: () => Promise<Person[]>;
  /**
   * The host's own page layout for Stepup's pages: a nunjucks template file (absolute path)
   * with the blocks `title` and `content` (and `width`), which Stepup's pages extend instead of
   * theirs. It is given `serviceName` and `assets` (where Stepup's stylesheet is).
   */
  layout?: string;
}

/** The host's layout file, checked once at start: a missing or unreadable file is said now, not at the first page. */
function hostLayout(file: string | undefined): string | undefined {
  if (file === undefined) return undefined;
  if (!isAbsolute(file)) throw new TypeError(`layout must be an absolute path to a nunjucks template: ${file}`);
  try {
    readFileSync(file, 'utf8');
  } catch (error) {
    throw new TypeError(`layout ${file} cannot be read: ${(error as Error).message}`);
  }
  return file;
}

/** One step of a sign-in at the host's provider, as Stepup's pages see it. */
export type SignInStep = CurrentInteraction;

/** A request from a Koa host (its context) or from any other (Node's request and response). */
export type HostRequest = ParameterizedContext | { req: IncomingMessage; res: ServerResponse };

/** The store the host gave, or the one at the location it named, its records sealed at rest. */
async function storeOf(option: StoreOption, cipher: Cipher, clock: Clock, logger: Logger): Promise<Store> {
  if ('opened' in option) return option.opened;
  const store = await openStore(option, clock, logger);
  return { ...store, records: sealedRecords(store.records, cipher, () => false) };
}

/** The oldest Node.js Stepup runs on (package.json's engines say the same). */
const supportedNodeMajor = 24;

function requireSupportedNode(version = process.versions.node): void {
  const major = Number(version.split('.')[0]);
  if (major < supportedNodeMajor) throw new Error(`Stepup needs Node.js ${supportedNodeMajor} or later; this is Node.js ${version}`);
}

/**
 * Stepup as a plugin of a node-oidc-provider host: the second-factor prompt after the
 * host's login, its pages, enrolment, codes by app, email and SMS, recovery codes, lockout,
 * audit and honest `acr`/`amr`. The standalone server is built on exactly this.
 */
export async function createStepup(options: StepupOptions) {
  requireSupportedNode();
  const settings = resolveSettings(options.settings);
  const layout = hostLayout(options.layout);
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? pino({ name: 'stepup' });
  const basePath = (options.basePath ?? '').replace(/\/$/, '');
  const cipher = createCipher(typeof options.encryptionKey === 'string' ? parseAtRestKeys(options.encryptionKey) : options.encryptionKey);
  const store = await storeOf(options.store, cipher, clock, logger);
  const secureCookies = options.issuer.startsWith('https:');
  const interactionMs = settings.interactionSeconds * 1000;
  const senders = { email: options.senders?.email ?? createUnavailableSender('email'), sms: options.senders?.sms ?? createUnavailableSender('sms') };
  const ownCookieKey = [keyedHash(cipher.hashKey, 'cookie-signing')];
  const cookieKeys = options.cookieKeys ?? (() => ownCookieKey);

  const lockout = createLockout(store.lockouts, clock, settings.lockout);
  const writeAudit = createAudit(store.audit, clock, (err) => logger.error({ err }, 'writing the audit log failed'));
  const audit: RecordAudit = (request, event) => {
    options.onAudit?.(event);
    return writeAudit(request, event);
  };
  const sendEmailTo = createAccountMailer({ email: senders.email, deliveries: store.deliveries, clock, logger });
  const alert = createAlerts({ sendEmailTo, messages: createAlertMessages(settings.serviceName), clock, logger });
  const enrolments = createPendingEnrolments(store.records, clock, interactionMs);
  const secondFactors = createSecondFactors({
    factors: store.factors,
    recoveryCodes: store.recoveryCodes,
    transaction: store.transaction,
    enrolments,
    totp: createTotp(settings.totp, clock),
    cipher,
    clock,
    issuerName: settings.serviceName,
    recoveryCodeCount: settings.recoveryCodes.count,
  });
  const smsRefusal = createSmsBudgets({
    counters: store.counters,
    clock,
    hashKey: cipher.hashKey,
    settings: settings.sms,
    onDailyBudgetReached: createSmsBudgetAlert({ audit, alert, admins: options.admins, budget: settings.sms.dailyBudget, logger }),
  });
  const deliveredCodes = createDeliveredCodes({
    factors: store.factors,
    issuedCodes: store.issuedCodes,
    deliveries: store.deliveries,
    counters: store.counters,
    addFactor: secondFactors.addFactor,
    enrolments,
    senders,
    messages: createCodeMessages(settings.serviceName),
    cipher,
    clock,
    logger,
    settings: settings.deliveredCodes,
    smsRefusal,
    emailProven: options.onEmailProven,
  });
  const csrf = createCsrf(cipher.hashKey);
  const passkeys = createPasskeys({
    factors: store.factors,
    records: store.records,
    settings: store.settings,
    clock,
    issuer: options.issuer,
    serviceName: settings.serviceName,
    lifetimeMs: interactionMs,
    addFactor: secondFactors.addFactor,
  });
  const secondFactorStep = createSecondFactorStep({ secondFactors, deliveredCodes, passkeys, lockout, audit, alert });

  const authorizationDetails = createAuthorizationDetails(settings.authorizationDetailsTypes);
  const knownBrowsers = createKnownBrowsers(store.records, clock, cipher.hashKey, secureCookies, cookieKeys);
  const geoip = settings.geoipDatabase ? await openGeoip(settings.geoipDatabase) : null;
  /** the country of an address in words ("Portugal"), when GeoIP is configured */
  const placeName = (ip: string | null) => {
    const place = ip && geoip ? geoip.lookup(ip) : null;
    return place?.countryName ?? place?.country ?? null;
  };
  const adaptive = createAdaptiveStepUp({ records: store.records, auditLog: store.audit, knownBrowsers, geoip, settings: settings.adaptive, clock });

  let provider: Provider | undefined;
  const deps: InteractionDeps = {
    get provider() {
      if (!provider) throw new Error('Stepup has no provider yet: call stepup.attach(provider) once it is built');
      return provider;
    },
    people: options.people,
    authorizationDetails,
    secondFactors,
    secondFactorStep,
    deliveredCodes,
    passkeys,
    pendingSignIns: createPendingSignIns(store.records, clock, interactionMs),
    csrf,
    lockout,
    overLimit: createRateLimiter(store.counters, settings.rateLimits, cipher.hashKey),
    audit,
    alert,
    undoLinks: options.undoLinks,
    knownBrowsers,
    adaptive,
    rememberedBrowsers: createRememberedBrowsers(store.records, clock, interactionMs, placeName),
    clock,
    enrollableChannels: (['email', 'sms'] as const).filter((channel) => options.senders?.[channel]),
    passkeyHoldMs: settings.passkeys.newCredentialHoldSeconds * 1000,
    basePath,
  };

  /**
   * The assurance service on what the login page proved (a password, a passwordless passkey,
   * or both): the level it passes at, or null when more is owed, which the second-factor page
   * (or the password, after a passkey) then asks for.
   */
  const passedAtLogin = (step: SignInStep, proofs: Proof[]) => passedWith(requiredLevel(mfaPolicyOf(step.client), step.details.params), proofs);

  /** The risk decision in the audit log: `asked new_browser new_network`, or `let_through`. */
  async function auditRisk(ctx: ParameterizedContext, step: SignInStep, accountId: string, signals: RiskSignal[]) {
    const person = await options.people.findById(accountId);
    const detail = signals.length > 0 ? `asked ${signals.join(' ')}` : 'let_through';
    await audit(requestInfo(ctx), { type: 'risk', result: 'ok', accountId, email: person?.email ?? null, clientId: step.clientId, detail });
  }

  async function signedInPerson(accountId: string, caller: string) {
    const person = await options.people.findById(accountId);
    if (!person || person.disabled) throw new Error(`${caller}: no person with id ${accountId}`);
    return person;
  }
  /**
   * The step of this request, which must be the one its URL names (a host's handler has no
   * route parameters for loadInteraction to compare); one whose login came back because the
   * host finished it itself is refused.
   */
  async function stepOf(ctx: ParameterizedContext, url = ctx.originalUrl): Promise<SignInStep> {
    const step = await loadInteraction(ctx, deps);
    const named = interactionInUrl(url, basePath);
    if (named !== undefined && named !== step.uid) throw expiredInteraction();
    refuseHostFinishedLogin(step);
    return step;
  }
  const pages = createPages(settings.serviceName, { assets: `${basePath}/assets` }, { layout, theme: settings.theme });
  // after the error page: every page of Stepup's at the interaction's address refuses such a step too
  const refuseLoop: Koa.Middleware = async (ctx, next) => {
    await stepOf(ctx);
    await next();
  };
  const stylesheet = stylesheetRouter(basePath).routes();
  const interactions = createInteractionRouter(deps, [errorHandler(logger, pages), pages.middleware, refuseLoop]).routes();
  // the stylesheet's router, then the pages' (koa-compose for two, without the package)
  const routes: typeof interactions = (ctx, next) => stylesheet(ctx, () => interactions(ctx, next));

  // Hosts that are not Koa apps reach the same routes through a Koa app of Stepup's own; what
  // it does not answer (the host's own prompts at the interaction's address) goes to their `next`.
  const ownApp = new Koa({ proxy: (options.trustedProxies ?? 0) > 0, maxIpsCount: options.trustedProxies ?? 0 });
  const passOn = new WeakMap<IncomingMessage, () => void>();
  ownApp.use(routes);
  ownApp.use((ctx) => {
    const next = passOn.get(ctx.req);
    if (!next) return;
    ctx.respond = false;
    next();
  });
  const ownCallback = ownApp.callback();
  const koaContext = (request: HostRequest): ParameterizedContext => ('cookies' in request ? request : ownApp.createContext(request.req, request.res));

  return {
    basePath,
    settings,

    /**
     * The host's oidc-provider configuration with Stepup's prompt, claims, acr values and
     * parameter added. A static client with a misspelt Stepup key (`mfa_polcy`) is refused.
     */
    configuration(host: Configuration = {}): Configuration {
      checkClientMetadataKeys(host);
      const configured = stepupConfiguration(host, { basePath, clock, interactionSeconds: settings.interactionSeconds, authorizationDetails });
      return withHostFinishedLoginCheck(configured, logger);
    },

    /**
     * Binds Stepup to the host's provider, built from `configuration()`. A host that
     * replaces its provider (the standalone server does, when its keys rotate) attaches the new one.
     */
    attach(next: Provider) {
      keepSecondFactorTime(next);
      provider = next;
    },

    /** Koa middleware serving Stepup's pages under `${basePath}/interaction/:uid/`; other requests pass through. */
    routes: () => routes,

    /**
     * The same for Express, Connect or node:http: `(req, res, next)`. Requests Stepup does not
     * answer, including the host's own prompts at the interaction's address, go to `next`.
     */
    callback() {
      return (req: IncomingMessage, res: ServerResponse, next?: () => void) => {
        if (next) passOn.set(req, next);
        return ownCallback(req, res);
      };
    },

    /** The step of the sign-in this request belongs to (read once per request). */
    interaction: (request: HostRequest): Promise<SignInStep> => stepOf(koaContext(request), originalUrlOf(request)),

    /**
     * What the application asks the person to approve in this sign-in (authorization_details,
     * RFC 9396), one sentence each, for a host's consent page; Stepup's second-factor page shows
     * them too, and its second factor is what approves them. In `language` where the operator
     * wrote the sentences in it (`summaryIn`), amounts in its way; English by default.
     */
    approvalsOf: (step: SignInStep, language?: Language): string[] => {
      return authorizationDetails.approvalOf(step.details.params, language)?.summaries ?? [];
    },

    /** Throws the "form has expired" error (403) unless `token` is this step's form token (`step.csrfToken`). */
    checkCsrf: (step: SignInStep, token: unknown) => requireCsrf(csrf, step, String(token ?? '')),

    /**
     * The host checked the password of `accountId`: Stepup takes the sign-in from here.
     * Answers where to send the browser (303): Stepup's second-factor page when this
     * authorization needs one (no session exists until it is passed), else back to the
     * provider with a password-only sign-in (acr 1fa, amr pwd).
     */
    async passwordAccepted(request: HostRequest, accountId: string): Promise<string> {
      const ctx = koaContext(request);
      const step = await stepOf(ctx, originalUrlOf(request));
      if (step.prompt !== 'login') return step.restart;
      const now = clock.now();
      // after a passwordless passkey that was not enough, the password completes it
      const passkey = await deps.pendingSignIns.passkeyFor(step);
      const proofs: Proof[] = [...(passkey?.accountId === accountId ? [passkey.proof] : []), { kind: 'password', at: now }];
      const reached = passedAtLogin(step, proofs);
      if (!reached) {
        await deps.pendingSignIns.start(step, accountId, now);
        return stepUrl(step, '/second-factor');
      }
      if (mfaPolicyOf(step.client) !== 'adaptive' || reached.acr !== ACR_1FA) {
        return signIn(ctx, deps, step, await signedInPerson(accountId, 'passwordAccepted'), reached);
      }
      // an adaptive client: the password alone only when no risk signal fires (RFC 8176's rba)
      const risk = await deps.adaptive.assess(ctx, accountId);
      await auditRisk(ctx, step, accountId, risk.signals);
      if (risk.signals.length > 0) {
        await deps.pendingSignIns.start(step, accountId, now, risk);
        return stepUrl(step, '/second-factor');
      }
      return signIn(ctx, deps, step, await signedInPerson(accountId, 'passwordAccepted'), letThrough(reached));
    },

    /**
     * The host checked a passwordless passkey assertion of `accountId` (the passkey service's
     * `verifySignIn`). Answers where to send the browser (303): back to the provider when that
     * is enough for this authorization (2fa with user verification, else 1fa), else to the
     * host's login page, which asks for the password only (`passwordOwed`).
     */
    async passkeyAccepted(request: HostRequest, accountId: string, passkey: FactorPassed, userVerified: boolean): Promise<string> {
      const ctx = koaContext(request);
      const step = await stepOf(ctx, originalUrlOf(request));
      if (step.prompt !== 'login') return step.restart;
      const person = await signedInPerson(accountId, 'passkeyAccepted');
      const proof = proofOf({ ...passkey, amr: userVerified ? passkey.amr : passkey.amr.filter((value) => value !== 'user') }, clock.now(), step.uid);
      const reached = passedAtLogin(step, [proof]);
      if (!reached) {
        await deps.pendingSignIns.passkeyPassed(step, accountId, proof);
        return step.base;
      }
      return signIn(ctx, deps, step, person, reached);
    },

    /**
     * Whose password completes this sign-in after a passkey: their email (their id when they
     * have none), or null when no password is owed.
     */
    async passwordOwed(step: SignInStep): Promise<string | null> {
      const passkey = await deps.pendingSignIns.passkeyFor(step);
      if (!passkey) return null;
      const person = await options.people.findById(passkey.accountId);
      return person ? person.email || person.id : null;
    },

    /** Whether the password was accepted in this sign-in and the second factor is still owed. */
    secondFactorOwed: async (step: SignInStep) => (await deps.pendingSignIns.accountIdFor(step)) !== null,

    /** Where the second-factor page of this sign-in is. */
    secondFactorUrl: (step: SignInStep) => stepUrl(step, '/second-factor'),

    /** Hands a host's own result (consent, say) to the provider; answers where to send the browser. */
    finish: (step: SignInStep, result: InteractionResults, { merge = false } = {}) => saveResult(step, result, merge),

    // the services behind the pages, for a host's own account pages and administration
    store,
    secondFactors,
    secondFactorStep,
    deliveredCodes,
    passkeys,
    rememberedBrowsers: deps.rememberedBrowsers,
    lockout,
    overLimit: deps.overLimit,
    audit,
    alert,
    sendEmailTo,
    senders,

    /** Waits for alerts still being sent, closes delivery connections, and the store when Stepup opened it. */
    async close() {
      await alert.settled();
      for (const sender of Object.values(senders)) sender.close?.();
      if (!('opened' in options.store)) await store.close();
    },
  };
}

export type Stepup = Awaited<ReturnType<typeof createStepup>>;
