import { z } from 'zod';
import { languages } from '../i18n/languages.ts';
import { accentProblem, linkProblem } from '../model/branding.ts';
import { isCidr } from './cidr.ts';

const seconds = z.number().int().positive();
const proxiesMessage = 'must be true, false or the number of proxies (0 to 10)';
const rateLimit = z.object({ perIp: z.number().int().min(1), perAccount: z.number().int().min(1), windowSeconds: seconds });

/** The whole configuration. Defaults live in config/default.json, not here. */
export const configSchema = z.object({
  /** interface to listen on; 0.0.0.0 for every interface (containers) */
  host: z.string().min(1),
  port: z.number().int().min(0).max(65535),
  /** server processes sharing the port and the store; 1 runs in this process alone */
  workers: z.number().int().min(1).max(64),
  issuer: z.url(),
  dataDir: z.string().min(1),
  env: z.enum(['development', 'production', 'test']),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  serviceName: z.string().min(1),
  mongodbUri: z.string().startsWith('mongodb').optional(),
  /**
   * base64 of 32 bytes, or several separated by commas, newest first (rotation: the first
   * encrypts, all decrypt). When absent a key is generated into dataDir on first start.
   */
  encryptionKey: z
    .string()
    .refine(
      (v) => v.split(',').every((key) => /^[A-Za-z0-9+/]+={0,2}$/.test(key.trim()) && Buffer.from(key.trim(), 'base64').length === 32),
      'must be 32 bytes in base64, or several separated by commas',
    )
    .optional(),
  adminToken: z.string().min(32, 'must be at least 32 characters').optional(),
  smtpUrl: z.string().optional(),
  smtpFrom: z.string().min(3),
  twilioAccountSid: z.string().optional(),
  twilioAuthToken: z.string().optional(),
  /** a phone number in E.164, or a messaging service SID (MG…) */
  twilioFrom: z.string().optional(),
  /** another Twilio-compatible API base URL; tests point it at a local stand-in */
  twilioApiUrl: z.url().optional(),
  /** how long a send may wait on the SMTP server or Twilio before it counts as failed */
  deliveryTimeoutSeconds: z.number().int().min(1).max(120),
  argon2: z.object({
    memoryKiB: z.number().int().min(8192),
    timeCost: z.number().int().min(1),
    parallelism: z.number().int().min(1),
  }),
  password: z.object({
    /**
     * for every password: chosen by people (change, reset) or set by an admin. 15 by default:
     * with a client whose mfa is on-request, the password alone signs in, and NIST SP
     * 800-63B-4 asks 15 of a single-factor password (8 of one always used with a second factor).
     */
    minLength: z.number().int().min(8).max(64),
    maxLength: z.number().int().min(64).max(4096),
  }),
  totp: z.object({
    digits: z.union([z.literal(6), z.literal(8)], { error: 'must be 6 or 8' }),
    periodSeconds: z.number().int().min(15).max(120),
    driftSteps: z.number().int().min(0).max(3),
  }),
  recoveryCodes: z.object({ count: z.number().int().min(4).max(20) }),
  passkeys: z.object({
    /**
     * An account's passkey added from a session that had not proved phr (with another passkey)
     * proves only 2fa for this long, while its owner hears of it; 0 ends the hold at once
     */
    newCredentialHoldSeconds: z
      .number()
      .int()
      .min(0)
      .max(30 * 86400),
  }),
  deliveredCodes: z.object({
    digits: z.number().int().min(6).max(10),
    ttlSeconds: seconds,
    maxAttempts: z.number().int().min(1).max(20),
    resendCooldownSeconds: z.number().int().min(0),
    maxSendsPerWindow: z.number().int().min(1),
    sendWindowSeconds: seconds,
  }),
  /** SMS toll-fraud limits (SMS pumping): which numbers may be texted a code, and how many a day */
  sms: z.object({
    /** ISO 3166 alpha-2 country codes SMS may go to; empty: every country (premium, shared-cost and satellite numbers are refused anyway) */
    allowedCountries: z.array(z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166 alpha-2 country code, like GB')),
    /** SMS a UTC day to one number, whichever accounts ask */
    destinationDailyLimit: z.number().int().min(1),
    /** SMS a UTC day to one block of 10,000 numbers: the number without its last four digits */
    prefixDailyLimit: z.number().int().min(1),
    /** SMS a UTC day in all; when spent, codes go by email where people have it, and admins are told */
    dailyBudget: z.number().int().min(1),
  }),
  ttl: z.object({
    interactionSeconds: seconds,
    sessionSeconds: seconds,
    authorizationCodeSeconds: seconds,
    accessTokenSeconds: seconds,
    idTokenSeconds: seconds,
    refreshTokenSeconds: seconds,
    grantSeconds: seconds,
  }),
  lockout: z.object({
    passwordFailures: z.number().int().min(1),
    secondFactorFailures: z.number().int().min(1),
    baseLockSeconds: seconds,
    maxLockSeconds: seconds,
    failureWindowSeconds: seconds,
  }),
  rateLimits: z.object({
    login: rateLimit,
    codeCheck: rateLimit,
    codeSend: rateLimit,
    passwordReset: rateLimit,
    /** sign-ins started at /auth per IP: each stores an interaction for ttl.interactionSeconds */
    authorization: z.object({ perIp: z.number().int().min(1), windowSeconds: seconds }),
    /** IPv6 clients are counted per network of this many leading bits: one client holds a whole /64 */
    ipv6PrefixLength: z.number().int().min(16).max(128),
  }),
  /** the account area at /account */
  account: z.object({
    /** how long a sign-in to the account area lasts */
    sessionSeconds: seconds,
    /** how recent the second factor must be for a change to factors */
    freshSeconds: seconds,
  }),
  /** the admin console at /admin */
  console: z.object({
    /** a console sign-in ends after this long without a request */
    idleSeconds: seconds,
    /** how recent the passkey (or second factor) must be for a dangerous action: reset, roles, keys, removal */
    freshSeconds: seconds,
  }),
  /** how long a password reset link works */
  passwordReset: z.object({ ttlSeconds: seconds }),
  audit: z.object({ retentionDays: z.number().int().min(1) }),
  keys: z.object({
    /** how long rotated keys are published before they sign */
    publishAheadSeconds: z.number().int().min(0),
    /** how often each process looks for rotated keys */
    refreshSeconds: seconds,
  }),
  /**
   * How many proxies in front of Stepup append to X-Forwarded-For (true: one, false: none).
   * The client's address is the one the outermost of them appended; entries further left
   * are the client's own writing.
   */
  trustProxy: z
    .union([z.boolean(), z.number().int().min(0).max(10, proxiesMessage)], proxiesMessage)
    .transform((value) => (value === true ? 1 : value === false ? 0 : value)),
  /** on SIGTERM, how long requests in flight may take before their connections are closed */
  shutdownGraceSeconds: seconds,
  sweepIntervalSeconds: seconds,
  /** how long a process reuses a client read from the store; 0 reads it every time */
  clientCacheSeconds: z.number().int().min(0),
  /**
   * Whether the URIs Stepup fetches for a client (jwks_uri, backchannel_logout_uri) may be on
   * loopback or private addresses. Off, as oidc-provider's SSRF protection has it: on, a client's
   * registration could make Stepup post to the internal network.
   */
  allowPrivateClientUris: z.boolean(),
  /**
   * APIs that get JWT access tokens (RFC 9068) when an application names them in `resource`
   * (RFC 8707), keyed by their resource indicator: the scopes they accept, the clients that may
   * introspect its tokens, and the name the consent page gives the API (its URL when it has none).
   */
  resourceServers: z.record(
    z
      .url({ protocol: /^https?$/, error: "must be an http(s) URL, the API's resource indicator" })
      .refine((url) => !url.includes('#'), 'must have no #fragment'),
    z.strictObject({
      name: z.string().trim().min(1).max(100).optional(),
      scopes: z.array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, 'must be a scope token (no spaces or quotes)')).default([]),
      accessTokenSeconds: z.number().int().min(1).optional(),
      /** jwt: checked offline against /jwks; opaque: introspected, so revocation stops it at once */
      accessTokenFormat: z.enum(['jwt', 'opaque']).default('jwt'),
      /** the client IDs the API authenticates with at the introspection endpoint */
      introspectionClients: z.array(z.string().min(1)).default([]),
    }),
  ),
  /**
   * Rich Authorization Requests (RFC 9396): the authorization_details types an application may
   * send (only those its metadata authorization_details_types names), each with the JSON Schema
   * its details must meet and the sentence the approval page shows, with {field.path}
   * placeholders (an {amount, currency} object reads as money, in the page's language), and
   * that sentence in other languages of the pages (`summaryIn`, by language tag; English
   * `summary` where one is missing).
   */
  authorizationDetailsTypes: z
    .record(
      z.string().regex(/^[\w.:/-]{1,100}$/, 'must be a type name: letters, digits and _ . : / -'),
      z.strictObject({
        summary: z.string().trim().min(1).max(300),
        summaryIn: z.partialRecord(z.enum(languages), z.string().trim().min(1).max(300)).default({}),
        schema: z.record(z.string(), z.unknown()),
      }),
    )
    .default({}),
  /** adaptive step-up (clients with mfa_policy "adaptive"): which risk signals ask for the second factor */
  adaptive: z.strictObject({
    newBrowser: z.boolean(),
    newNetwork: z.strictObject({ enabled: z.boolean(), days: z.number().int().min(1).max(400) }),
    recentFailures: z.strictObject({ enabled: z.boolean(), count: z.number().int().min(1).max(100), windowSeconds: seconds }),
    newCountry: z.boolean(),
    impossibleTravel: z.strictObject({ enabled: z.boolean(), kmPerHour: z.number().positive() }),
    /** networks (CIDR) whose sign-ins always ask for the second factor, and networks that never do */
    alwaysAskNetworks: z.array(z.string().refine(isCidr, 'must be an IPv4 or IPv6 network, like 192.0.2.0/24')),
    neverAskNetworks: z.array(z.string().refine(isCidr, 'must be an IPv4 or IPv6 network, like 192.0.2.0/24')),
  }),
  /** the deployment's look, under each application's own (its logo, accent colour and support link) */
  theme: z.strictObject({
    accentColor: z
      .string()
      .refine((color) => !accentProblem(color), { error: (issue) => accentProblem(issue.input) ?? 'invalid' })
      .optional(),
    logoUri: z
      .string()
      .refine((uri) => !linkProblem(uri), 'must be an https:// URL')
      .optional(),
    footerLinks: z
      .array(
        z.strictObject({
          text: z.string().trim().min(1).max(60),
          href: z.string().refine((href) => !linkProblem(href, { mail: true }), 'must be https:// or mailto:'),
        }),
      )
      .max(6),
  }),
  /** a MaxMind GeoLite2/GeoIP2 Country or City database (.mmdb): the new-country and impossible-travel signals */
  geoipDatabase: z.string().min(1).optional(),
});

export type Config = z.infer<typeof configSchema>;

/** Checks that span several keys, reported with the rest. */
export const configRefinements = (config: Config, issue: (path: string, message: string) => void) => {
  const twilio = [config.twilioAccountSid, config.twilioAuthToken, config.twilioFrom];
  if (twilio.some(Boolean) && !twilio.every(Boolean)) {
    issue('twilio', 'TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM go together: set all three or none');
  }
  // Stepup serves plain http: only a trusted proxy's X-Forwarded-Proto tells it a request came
  // over https, and without that no secure cookie can be set (every sign-in would fail)
  if (config.issuer.startsWith('https:') && config.trustProxy === 0) {
    issue(
      'trustProxy',
      'an https ISSUER is served through a TLS terminator: set TRUST_PROXY (true, or the number of proxies) so Stepup trusts its X-Forwarded-Proto',
    );
  }
};
