import { join } from 'node:path';
import type { Logger } from 'pino';
import { type AccountSessions, createAccountSessions } from './account/account_sessions.ts';
import type { RecentActivity } from './account/activity.ts';
import { createEmailProof } from './account/email_proof.ts';
import type { FactorUndo } from './account/factor_undo.ts';
import { createFactorUndo, createFactorUndoLinks } from './account/factor_undo.ts';
import { createPasskeySignIn, type PasskeySignIn } from './account/passkey_sign_in.ts';
import type { CheckPassword } from './account/password_login.ts';
import { createPasswordLogin } from './account/password_login.ts';
import { createPasswordStep, type PasswordStep } from './account/password_step.ts';
import type { Passwords } from './account/passwords.ts';
import { createPasswords } from './account/passwords.ts';
import type { SelfService } from './account/self_service.ts';
import { createSelfService } from './account/self_service.ts';
import type { AuditQueries } from './admin/audit_queries.ts';
import { createAuditQueries } from './admin/audit_queries.ts';
import type { ClientAdmin } from './admin/clients.ts';
import { createClientAdmin } from './admin/clients.ts';
import type { KeyAdmin } from './admin/keys.ts';
import { createKeyAdmin } from './admin/keys.ts';
import type { UserAdmin } from './admin/users.ts';
import { createUserAdmin } from './admin/users.ts';
import { createAudit, type RecordAudit } from './audit/audit.ts';
import { type Clock, systemClock } from './clock.ts';
import type { Config } from './config/schema.ts';
import type { DeliveredCodes } from './factors/delivered_codes.ts';
import type { Passkeys } from './factors/passkeys.ts';
import type { SecondFactors } from './factors/registry.ts';
import type { Pages } from './http/pages.ts';
import { pendingSignInKind } from './interactions/pending_sign_in.ts';
import type { Channel } from './model/factor.ts';
import { type Alert, createAccountMailer, createAlerts } from './notifications/alerts.ts';
import { createAlertMessages, createResetMessages } from './notifications/messages.ts';
import { createOutboxSender } from './notifications/senders/outbox_sender.ts';
import type { Sender } from './notifications/senders/sender.ts';
import type { Metrics } from './operations/metrics.ts';
import { forProvider, timedStore } from './operations/timed_store.ts';
import { settingsOf } from './plugin/settings.ts';
import type { Stepup } from './plugin/stepup.ts';
import type { BackchannelLogout } from './provider/backchannel_logout.ts';
import { createBackchannelLogout } from './provider/backchannel_logout.ts';
import type { CurrentProvider } from './provider/current_provider.ts';
import type { KeyRingStore } from './provider/key_ring_store.ts';
import { createKeyRingStore } from './provider/key_ring_store.ts';
import { loadAtRestKeys } from './security/at_rest_keys.ts';
import type { Cipher } from './security/cipher.ts';
import { createCipher } from './security/cipher.ts';
import { type Csrf, createCsrf } from './security/csrf.ts';
import { createLockout, type Lockout } from './security/lockout.ts';
import type { PasswordHasher } from './security/password_hasher.ts';
import type { RateLimiter } from './security/rate_limit.ts';
import { clearRecordsUntilKey, sealedRecords } from './security/sealed_records.ts';
import { cachedClients } from './store/cached_clients.ts';
import { openStore, type StoreLocation } from './store/open.ts';
import type { Store } from './store/ports.ts';
import { privateDir } from './store/private_files.ts';
import { droppingReadAhead, readingAhead, readingAheadFacts } from './store/read_ahead.ts';
import { coresPerWorker } from './workers.ts';

/** MONGODB_URI selects MongoDB; otherwise the embedded SQLite file in the data directory. */
function storeLocation(config: Config): StoreLocation {
  if (config.mongodbUri) return { mongodbUri: config.mongodbUri };
  privateDir(config.dataDir);
  return { sqlitePath: join(config.dataDir, 'stepup.db') };
}

/**
 * SMTP_URL and Twilio credentials select real delivery; otherwise the development outbox.
 * nodemailer and twilio load only when configured.
 */
async function createSenders(config: Config, clock: Clock): Promise<Record<Channel, Sender>> {
  const outbox = join(config.dataDir, 'outbox.jsonl');
  const timeoutMs = config.deliveryTimeoutSeconds * 1000;
  const email = config.smtpUrl
    ? (await import('./notifications/senders/smtp_sender.ts')).createSmtpSender(config.smtpUrl, config.smtpFrom, timeoutMs)
    : createOutboxSender('email', outbox, clock);
  const sms =
    config.twilioAccountSid && config.twilioAuthToken && config.twilioFrom
      ? (await import('./notifications/senders/twilio_sender.ts')).createTwilioSender({
          accountSid: config.twilioAccountSid,
          authToken: config.twilioAuthToken,
          from: config.twilioFrom,
          apiUrl: config.twilioApiUrl,
          // its module holds the status hook's koa router: loaded with Twilio, not by every CLI command
          statusCallback: (await import('./notifications/twilio_status_hook.ts')).twilioStatusCallbackUrl(config.issuer),
          timeoutMs,
        })
      : createOutboxSender('sms', outbox, clock);
  // the outbox holds sign-in codes: it is written only into the private data directory
  if (email.provider === 'outbox' || sms.provider === 'outbox') privateDir(config.dataDir);
  return { email, sms };
}

/** The store and the services behind the admin API, the console and the CLI: all the CLI builds. */
export interface AdminServices {
  config: Config;
  logger: Logger;
  clock: Clock;
  store: Store;
  keyRing: KeyRingStore;
  clientAdmin: ClientAdmin;
  userAdmin: UserAdmin;
  auditQueries: AuditQueries;
  keyAdmin: KeyAdmin;
  close(): Promise<void>;
}

/** Stepup's services, as the server and the tests use them. */
export interface Container extends AdminServices {
  metrics: Metrics;
  cipher: Cipher;
  hasher: PasswordHasher;
  /** the plugin the server is built on: the sign-in pages, second factors, lockout, audit */
  stepup: Stepup;
  /** the keys the known-browser cookie is signed with; the app keeps them current as keys rotate */
  browserCookieKeys: { current: string[] };
  senders: Record<Channel, Sender>;
  lockout: Lockout;
  audit: RecordAudit;
  alert: Alert;
  overLimit: RateLimiter;
  checkPassword: CheckPassword;
  secondFactors: SecondFactors;
  deliveredCodes: DeliveredCodes;
  passkeys: Passkeys;
  selfService: SelfService;
  factorUndo: FactorUndo;
  passwords: Passwords;
  recentActivity: RecentActivity;
  backchannelLogout: BackchannelLogout;
}

/** The at-rest keys; one generated into the data directory is for development, and said so in production. */
function atRestKeysOf(config: Config, logger: Logger) {
  const atRest = loadAtRestKeys(config.dataDir, config.encryptionKey);
  if (atRest.generated && config.env === 'production') {
    logger.warn('ENCRYPTION_KEY is not set: secrets are encrypted with a key generated into the data directory');
  }
  return atRest.keys;
}

/** Records as every service sees them: sealed at rest; an account's sessions ending at once tells its applications. */
async function sealedRecordsOf(store: Store, keyRing: KeyRingStore, cipher: Cipher, config: Config, clock: Clock, backchannelLogout: BackchannelLogout) {
  // A ring in clear means the version before sealing ran here: the records it wrote in clear
  // are read for as long as the longest of them may live, and never once that is past.
  if (await keyRing.storedInClear()) await store.settings.putIfAbsent(clearRecordsUntilKey, clock.now() + config.ttl.grantSeconds * 1000);
  const clearRecordsUntil = (await store.settings.get<number>(clearRecordsUntilKey)) ?? 0;
  return backchannelLogout.notifying(sealedRecords(store.records, cipher, () => clock.now() < clearRecordsUntil));
}

interface AdminParts {
  config: Config;
  clock: Clock;
  store: Store;
  cipher: Cipher;
  keyRing: KeyRingStore;
  lockout: Lockout;
  audit: RecordAudit;
  alert: Alert;
  removeFactor: SecondFactors['removeFactor'];
  hashPassword: PasswordHasher['hash'];
}

/** The admin services, wired the same for the server and the CLI. */
function adminServicesOf({ config, clock, store, cipher, keyRing, lockout, audit, alert, removeFactor, hashPassword }: AdminParts) {
  return {
    clientAdmin: createClientAdmin(store.clients, cipher, clock, audit, config.resourceServers, Object.keys(config.authorizationDetailsTypes)),
    userAdmin: createUserAdmin({
      accounts: store.accounts,
      factors: store.factors,
      recoveryCodes: store.recoveryCodes,
      transaction: store.transaction,
      records: store.records,
      removeFactor,
      hashPassword,
      lockout,
      audit,
      alert,
      clock,
      passwordRules: config.password,
    }),
    auditQueries: createAuditQueries(store.audit, clock, store.deliveries),
    keyAdmin: createKeyAdmin(keyRing, config, clock, audit),
  };
}

/**
 * The CLI's composition: the store and the admin services, none of the server's parts
 * (oidc-provider, the pages, the sign-in steps, metrics). Lockout, audit and alerts are the
 * plugin's own, on the same store and settings. argon2 loads only when a command hashes a
 * password: creating the hasher costs a hash (the decoy) besides loading it.
 */
export async function buildAdminServices(config: Config, logger: Logger, clock: Clock = systemClock): Promise<AdminServices> {
  const cipher = createCipher(atRestKeysOf(config, logger));
  const opened = await openStore(storeLocation(config), clock, logger);
  const keyRing = createKeyRingStore(opened.settings, cipher);
  const backchannelLogout = createBackchannelLogout(logger, clock, config.ttl.sessionSeconds * 1000);
  const store: Store = { ...opened, records: await sealedRecordsOf(opened, keyRing, cipher, config, clock, backchannelLogout) };
  const senders = await createSenders(config, clock);
  const lockout = createLockout(store.lockouts, clock, config.lockout);
  const audit = createAudit(store.audit, clock, (err) => logger.error({ err }, 'writing the audit log failed'));
  const sendEmailTo = createAccountMailer({ email: senders.email, deliveries: store.deliveries, clock, logger });
  const alert = createAlerts({ sendEmailTo, messages: createAlertMessages(config.serviceName), clock, logger });
  // the second factors' service (and qrcode, otplib) loads only for the command that removes one
  const removeFactor: SecondFactors['removeFactor'] = async (accountId, factorId) => {
    const [{ createSecondFactors }, { createPendingEnrolments }, { createTotp }] = await Promise.all([
      import('./factors/registry.ts'),
      import('./factors/pending_enrolments.ts'),
      import('./factors/totp.ts'),
    ]);
    const secondFactors = createSecondFactors({
      factors: store.factors,
      recoveryCodes: store.recoveryCodes,
      transaction: store.transaction,
      enrolments: createPendingEnrolments(store.records, clock, config.ttl.interactionSeconds * 1000),
      totp: createTotp(config.totp, clock),
      cipher,
      clock,
      issuerName: config.serviceName,
      recoveryCodeCount: config.recoveryCodes.count,
    });
    return secondFactors.removeFactor(accountId, factorId);
  };
  let hasher: Promise<PasswordHasher> | undefined;
  const hashPassword = async (password: string) => {
    hasher ??= import('./security/password_hasher.ts').then((m) => m.createPasswordHasher(config.argon2, coresPerWorker(config.workers)));
    return (await hasher).hash(password);
  };
  return {
    config,
    logger,
    clock,
    store,
    keyRing,
    ...adminServicesOf({ config, clock, store, cipher, keyRing, lockout, audit, alert, removeFactor, hashPassword }),
    close: async () => {
      await alert.settled();
      for (const sender of Object.values(senders)) sender.close?.();
      backchannelLogout.close();
      await store.close();
    },
  };
}

/**
 * The server's services (the tests' too). This file is the composition root, the only place
 * that names implementations: buildContainer for the server, buildServer for its web parts,
 * buildAdminServices for the CLI.
 */
export async function buildContainer(config: Config, logger: Logger, clock: Clock = systemClock): Promise<Container> {
  // the server's heavier modules load here, not when the CLI imports this file for buildAdminServices
  const [{ createStepup }, { ADMIN_ROLE }, { createMetrics }, { createPasswordHasher }, { createActivity }] = await Promise.all([
    import('./plugin/stepup.ts'),
    import('./admin_console/sign_in.ts'),
    import('./operations/metrics.ts'),
    import('./security/password_hasher.ts'),
    import('./account/activity.ts'),
  ]);
  const atRestKeys = atRestKeysOf(config, logger);
  const cipher = createCipher(atRestKeys);
  const metrics = createMetrics();
  const timed = timedStore(await openStore(storeLocation(config), clock, logger), metrics);
  metrics.countRoundTrips(() => timed.roundTrips());
  const keyRing = createKeyRingStore(timed.settings, cipher);
  const backchannelLogout = createBackchannelLogout(logger, clock, config.ttl.sessionSeconds * 1000);
  // what a request read ahead (store/read_ahead.ts) is dropped by its writes, whoever makes them
  const store = {
    ...droppingReadAhead(timed),
    clients: cachedClients(timed.clients, clock, config.clientCacheSeconds * 1000),
    // every page of a sign-in reads its interaction and its pending sign-in (same id): one operation
    // and the pending sign-in ended at its last step goes with the interaction's result saved
    records: readingAhead(await sealedRecordsOf(timed, keyRing, cipher, config, clock, backchannelLogout), {
      companions: { Interaction: [pendingSignInKind] },
      destroyWithNextWrite: [pendingSignInKind],
      // and a code or refresh token with its account, which findAccount reads next
      withAccount: ['AuthorizationCode', 'RefreshToken'],
    }),
  };
  const hasher = await createPasswordHasher(config.argon2, coresPerWorker(config.workers));
  const senders = await createSenders(config, clock);
  // the browser cookie is signed with the provider's cookie keys, as it was before Stepup was a plugin;
  // app.ts keeps them current when the keys rotate
  const browserCookieKeys = { current: [] as string[] };
  // the "factor added" alerts link to the account area's page that removes the factor
  const undoLinks = createFactorUndoLinks({ records: store.records, factors: store.factors, hashKey: cipher.hashKey, clock, issuer: config.issuer });
  // the sign-in pages read an account with its factors, codes left and lockout in one operation
  const signInStore = readingAheadFacts(store);
  const stepup = await createStepup({
    issuer: config.issuer,
    people: signInStore.accounts,
    store: { opened: signInStore },
    encryptionKey: atRestKeys,
    senders,
    basePath: '',
    settings: settingsOf(config),
    logger,
    clock,
    cookieKeys: () => browserCookieKeys.current,
    trustedProxies: config.trustProxy,
    onEmailProven: createEmailProof(store.accounts),
    onAudit: (event) => metrics.observeAudit(event),
    undoLinks,
    // the daily SMS budget's alert goes to every enabled admin
    admins: async () => (await store.accounts.list()).filter((account) => account.roles.includes(ADMIN_ROLE) && !account.disabled),
  });
  const { lockout, audit, alert, secondFactors, sendEmailTo } = stepup;
  const checkPassword = createPasswordLogin(store.accounts, hasher, lockout, cipher.hashKey);

  return {
    config,
    logger,
    clock,
    metrics,
    store,
    cipher,
    hasher,
    stepup,
    browserCookieKeys,
    senders,
    lockout,
    audit,
    alert,
    overLimit: stepup.overLimit,
    checkPassword,
    secondFactors,
    deliveredCodes: stepup.deliveredCodes,
    passkeys: stepup.passkeys,
    ...adminServicesOf({ config, clock, store, cipher, keyRing, lockout, audit, alert, removeFactor: secondFactors.removeFactor, hashPassword: hasher.hash }),
    selfService: createSelfService({ secondFactors, records: store.records, factors: store.factors, audit, alert, undoLinks }),
    factorUndo: createFactorUndo({
      accounts: store.accounts,
      factors: store.factors,
      records: store.records,
      transaction: store.transaction,
      audit,
      alert,
      hashKey: cipher.hashKey,
      clock,
    }),
    passwords: createPasswords({
      accounts: store.accounts,
      records: store.records,
      hasher,
      checkPassword,
      sendEmailTo,
      resetMessages: createResetMessages(config.serviceName),
      alert,
      audit,
      hashKey: cipher.hashKey,
      clock,
      logger,
      rules: config.password,
      resetTtlMs: config.passwordReset.ttlSeconds * 1000,
      issuer: config.issuer,
    }),
    recentActivity: createActivity(store.audit, store.clients, config.serviceName),
    keyRing,
    backchannelLogout,
    close: async () => {
      await stepup.close();
      backchannelLogout.close();
      await store.close();
    },
  };
}

/** What the web server adds to the services: oidc-provider on Stepup's storage, and what its pages need. */
export interface ServerParts {
  pages: Pages;
  /** oidc-provider with the current keys; rebuilt when they rotate */
  current: CurrentProvider;
  csrf: Csrf;
  passwordStep: PasswordStep;
  passkeySignIn: PasskeySignIn;
  /** sign-ins to the account area, and to the console, each tied to a provider session */
  accountSessions: AccountSessions;
  consoleSessions: AccountSessions;
}

/** The server's half of the composition root (the CLI needs none of it). */
export async function buildServer(container: Container): Promise<ServerParts> {
  const [
    { createPages },
    { trustForwardedHeaders },
    { createAdapterClass },
    { explainClientAuthFailures },
    { createCurrentProvider },
    { createFindAccount },
    { createProvider },
    { answerRequestObjectsInTheirResponseMode },
  ] = await Promise.all([
    import('./http/pages.ts'),
    import('./http/trusted_proxies.ts'),
    import('./provider/adapter.ts'),
    import('./provider/client_authentication.ts'),
    import('./provider/current_provider.ts'),
    import('./provider/find_account.ts'),
    import('./provider/provider.ts'),
    import('./provider/request_objects.ts'),
  ]);
  const { config, store, cipher, clock, logger, stepup } = container;
  const pages = createPages(config.serviceName, { passwordMinLength: config.password.minLength }, { theme: config.theme });
  const adapter = createAdapterClass(store.records, store.clients, cipher, clock);
  const accountFinder = createFindAccount(store.accounts, store.factors);
  // what the bare provider would read too: counted as oidc-provider's storage operations, not Stepup's
  const findAccount: typeof accountFinder = (...args) => forProvider(async () => accountFinder(...args));
  const current = await createCurrentProvider(
    (keys) => {
      const provider = createProvider({ config, keys, pages, adapter, findAccount, stepup });
      trustForwardedHeaders(provider, config.trustProxy);
      explainClientAuthFailures(provider, logger);
      answerRequestObjectsInTheirResponseMode(provider);
      container.backchannelLogout.attach(provider, store.records);
      return provider;
    },
    container.keyRing,
    clock,
  );
  const providerSessions = { findByUid: (uid: string) => current.provider.Session.findByUid(uid) };
  return {
    pages,
    current,
    csrf: createCsrf(cipher.hashKey),
    passwordStep: createPasswordStep({ checkPassword: container.checkPassword, audit: container.audit, alert: container.alert }),
    passkeySignIn: createPasskeySignIn({
      passkeys: container.passkeys,
      accounts: store.accounts,
      lockout: container.lockout,
      audit: container.audit,
      alert: container.alert,
    }),
    accountSessions: createAccountSessions(store.records, clock, config.account.sessionSeconds * 1000, providerSessions),
    consoleSessions: createAccountSessions(store.records, clock, config.console.idleSeconds * 1000, providerSessions, 'ConsoleSession'),
  };
}
