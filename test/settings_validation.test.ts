import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ConfigError, loadConfig } from '../src/config/load.ts';
import { checkClientMetadataKeys, misspeltStepupKeys } from '../src/plugin/client_metadata_keys.ts';
import { resolveSettings, SettingsError, type SettingsInput } from '../src/plugin/settings.ts';

// What the plugin's settings and the server's environment accept, and what they answer when they
// refuse: every mistake at once, each on a line of its own naming the key.

/** The error's lines after its heading, or 'accepted'. */
function refusal(resolve: () => unknown, kind: typeof SettingsError | typeof ConfigError): string[] | 'accepted' {
  try {
    resolve();
    return 'accepted';
  } catch (error) {
    expect(error).toBeInstanceOf(kind);
    return (error as Error).message.split('\n').slice(1);
  }
}

const topLevel =
  'serviceName, totp, recoveryCodes, passkeys, deliveredCodes, sms, lockout, rateLimits, deliveryTimeoutSeconds, authorizationDetailsTypes, adaptive, geoipDatabase, theme, interactionSeconds';

describe('resolveSettings (the plugin)', () => {
  test('no input: the defaults of config/default.json, with the interaction time of its ttl', () => {
    const settings = resolveSettings();
    expect(settings.totp).toEqual({ digits: 6, periodSeconds: 30, driftSteps: 1 });
    expect(settings.interactionSeconds).toBe(1800);
    expect(settings.lockout).toEqual({
      passwordFailures: 5,
      secondFactorFailures: 5,
      baseLockSeconds: 900,
      maxLockSeconds: 86400,
      failureWindowSeconds: 86400,
    });
  });

  test('a choice is laid over the defaults: the keys beside it keep theirs', () => {
    const settings = resolveSettings({ totp: { driftSteps: 2 }, rateLimits: { login: { perIp: 50 } }, serviceName: 'Acme' });
    expect(settings.totp).toEqual({ digits: 6, periodSeconds: 30, driftSteps: 2 });
    expect(settings.rateLimits.login).toEqual({ perIp: 50, perAccount: 10, windowSeconds: 300 });
    expect(settings.rateLimits.codeCheck).toEqual(resolveSettings().rateLimits.codeCheck);
    expect(settings.serviceName).toBe('Acme');
  });

  test.each<[string, SettingsInput]>([
    ['8-digit TOTP codes', { totp: { digits: 8 } }],
    ['no TOTP drift', { totp: { driftSteps: 0 } }],
    ['the longest TOTP period', { totp: { periodSeconds: 120 } }],
    ['4 recovery codes', { recoveryCodes: { count: 4 } }],
    ['SMS to two countries', { sms: { allowedCountries: ['GB', 'IE'] } }],
    ['no hold on new passkeys', { passkeys: { newCredentialHoldSeconds: 0 } }],
    ['a /128 IPv6 prefix', { rateLimits: { ipv6PrefixLength: 128 } }],
    ['no resend cooldown', { deliveredCodes: { resendCooldownSeconds: 0 } }],
  ])('accepted: %s', (_, input) => {
    expect(refusal(() => resolveSettings(input), SettingsError)).toBe('accepted');
  });

  test.each<[string, SettingsInput, string[]]>([
    ['7-digit TOTP codes', { totp: { digits: 7 as 6 } }, ['totp.digits: must be 6 or 8']],
    ['a TOTP period under 15 s', { totp: { periodSeconds: 10 } }, ['totp.periodSeconds: must be a whole number from 15 to 120']],
    ['a drift over 3 steps', { totp: { driftSteps: 4 } }, ['totp.driftSteps: must be a whole number from 0 to 3']],
    ['a fractional drift', { totp: { driftSteps: 1.5 } }, ['totp.driftSteps: must be a whole number from 0 to 3']],
    ['3 recovery codes', { recoveryCodes: { count: 3 } }, ['recoveryCodes.count: must be a whole number from 4 to 20']],
    ['an empty service name', { serviceName: '' }, ['serviceName: must be text, not empty']],
    ['a lower-case country', { sms: { allowedCountries: ['GB', 'ie'] } }, ['sms.allowedCountries.1: must be an ISO 3166 alpha-2 country code, like GB']],
    ['a lockout after no failures', { lockout: { passwordFailures: 0 } }, ['lockout.passwordFailures: must be a whole number, at least 1']],
    [
      'a seconds value as a string',
      { lockout: { baseLockSeconds: '900' as unknown as number } },
      ['lockout.baseLockSeconds: must be a whole number, at least 1'],
    ],
    ['an IPv6 prefix under 16', { rateLimits: { ipv6PrefixLength: 8 } }, ['rateLimits.ipv6PrefixLength: must be a whole number from 16 to 128']],
    ['no time for a sign-in', { interactionSeconds: 0 }, ['interactionSeconds: must be a whole number, at least 1']],
    ['a delivery timeout over 2 minutes', { deliveryTimeoutSeconds: 121 }, ['deliveryTimeoutSeconds: must be a whole number from 1 to 120']],
    ['5-digit delivered codes', { deliveredCodes: { digits: 5 } }, ['deliveredCodes.digits: must be a whole number from 6 to 10']],
    [
      'a negative passkey hold',
      { passkeys: { newCredentialHoldSeconds: -1 } },
      ['passkeys.newCredentialHoldSeconds: must be a whole number from 0 to 2592000'],
    ],
    ['a misspelt key', { totp: { drift: 2 } as SettingsInput['totp'] }, ['totp.drift: no such setting (totp has digits, periodSeconds, driftSteps)']],
    ['a setting the plugin does not take', { ttl: { sessionSeconds: 60 } } as SettingsInput, [`ttl: no such setting (the settings are ${topLevel})`]],
    [
      'unknown keys at every depth, all at once',
      { serviceNmae: 'Acme', rateLimits: { login: { perIP: 5 } } } as SettingsInput,
      [
        `serviceNmae: no such setting (the settings are ${topLevel})`,
        'rateLimits.login.perIP: no such setting (rateLimits.login has perIp, perAccount, windowSeconds)',
      ],
    ],
    [
      'several mistakes: every one, at once',
      { totp: { periodSeconds: 10, driftSteps: 4 }, recoveryCodes: { count: 3 } },
      [
        'totp.periodSeconds: must be a whole number from 15 to 120',
        'totp.driftSteps: must be a whole number from 0 to 3',
        'recoveryCodes.count: must be a whole number from 4 to 20',
      ],
    ],
  ])('refused: %s', (_, input, lines) => {
    expect(refusal(() => resolveSettings(input), SettingsError)).toEqual(lines.map((line) => `  - ${line}`));
  });

  test('the heading names the settings', () => {
    expect(() => resolveSettings({ recoveryCodes: { count: 3 } })).toThrow(/^invalid Stepup settings:\n/);
  });
});

describe('client metadata: a misspelt Stepup key is refused (oidc-provider would drop it without a word)', () => {
  const client = (metadata: Record<string, unknown>) => ({ client_id: 'shop', client_secret: 'x', redirect_uris: ['https://shop.example/cb'], ...metadata });

  test.each([
    ['mfa_polcy'],
    ['first_party_'],
    ['mfaPolicy'],
    ['mfa-policy'],
    ['firstParty'],
    ['id_token_claim'],
    ['allowed_resource'],
    ['mfa_max_age'],
    ['stepup_policy'],
  ])('refused: %s', (key) => {
    expect(misspeltStepupKeys(client({ [key]: 'on-request' }))).toEqual([key]);
  });

  test("Stepup's own keys, oidc-provider's and the host's own extra metadata pass", () => {
    const stepups = { first_party: true, mfa_policy: 'on-request', id_token_claims: true, allowed_resources: {} };
    expect(misspeltStepupKeys(client({ ...stepups, logo_uri: 'https://shop.example/logo.png', default_acr_values: [] }))).toEqual([]);
    expect(misspeltStepupKeys(client({ mfa_tier: 'gold' }), ['mfa_tier'])).toEqual([]);
  });

  test('no name oidc-provider knows for client metadata reads as a misspelt Stepup key', () => {
    // every quoted snake_case word of oidc-provider's client attributes and client schema: all the metadata it can recognise, whatever features are on
    const root = join(dirname(createRequire(import.meta.url).resolve('oidc-provider')), '..');
    const source = ['lib/consts/client_attributes.js', 'lib/helpers/client_schema.js'].map((file) => readFileSync(join(root, file), 'utf8')).join('\n');
    const names = [...new Set([...source.matchAll(/'([a-z][a-z0-9]*(?:_[a-z0-9]+)+)'/g)].map((match) => match[1]!))];
    expect(names).toEqual(expect.arrayContaining(['redirect_uris', 'post_logout_redirect_uris', 'backchannel_logout_uri', 'id_token_signed_response_alg']));
    expect(misspeltStepupKeys(Object.fromEntries(names.map((name) => [name, true])))).toEqual([]);
  });

  test("the host's static clients: every misspelt key named, with Stepup's keys", () => {
    const clients = [client({ mfa_polcy: 'on-request' }), { ...client({ first_party_: true }), client_id: 'blog' }, client({ mfa_policy: 'required' })];
    expect(() => checkClientMetadataKeys({ clients })).toThrow(
      [
        'unknown client metadata (oidc-provider would drop it without a word):',
        '  - client "shop": mfa_polcy is not client metadata',
        '  - client "blog": first_party_ is not client metadata',
        "Stepup's client metadata keys are first_party, mfa_policy, id_token_claims, allowed_resources",
      ].join('\n'),
    );
    expect(() => checkClientMetadataKeys({ clients: [client({ mfa_policy: 'required' })] })).not.toThrow();
  });
});

describe('loadConfig (the server, from the environment)', () => {
  const key = Buffer.alloc(32, 1).toString('base64');

  test.each<[string, NodeJS.ProcessEnv]>([
    ['nothing set', {}],
    ['empty values count as unset', { HOST: '', PORT: '' }],
    ['port 0 (any free port)', { PORT: '0' }],
    ['64 workers', { WORKERS: '64' }],
    ['a MongoDB URI', { MONGODB_URI: 'mongodb://localhost:27017/stepup' }],
    ['an SRV MongoDB URI', { MONGODB_URI: 'mongodb+srv://cluster.example.com/stepup' }],
    ['an admin token of 32 characters', { ADMIN_TOKEN: 'x'.repeat(32) }],
    ['one encryption key', { ENCRYPTION_KEY: key }],
    ['two encryption keys, spaces around the comma', { ENCRYPTION_KEY: `${key} , ${Buffer.alloc(32, 2).toString('base64')}` }],
    ['all three Twilio settings', { TWILIO_ACCOUNT_SID: 'AC1', TWILIO_AUTH_TOKEN: 'token', TWILIO_FROM: '+447700900000' }],
    ['private client URIs allowed', { ALLOW_PRIVATE_CLIENT_URIS: 'true' }],
    ['production', { NODE_ENV: 'production' }],
  ])('accepted: %s', (_, env) => {
    expect(refusal(() => loadConfig(env), ConfigError)).toBe('accepted');
  });

  test.each<[string, NodeJS.ProcessEnv, string[]]>([
    // ISSUER follows PORT, so a wrong port makes a wrong issuer too
    ['a port over 65535', { PORT: '65536' }, ['port: Too big: expected number to be <=65535', 'issuer: Invalid URL']],
    ['a port that is not a number', { PORT: 'eighty' }, ['port: Invalid input: expected number, received string', 'issuer: Invalid URL']],
    [
      'a port that is not a number, with an ISSUER of its own',
      { PORT: 'eighty', ISSUER: 'http://localhost' },
      ['port: Invalid input: expected number, received string'],
    ],
    ['no workers', { WORKERS: '0' }, ['workers: Too small: expected number to be >=1']],
    ['65 workers', { WORKERS: '65' }, ['workers: Too big: expected number to be <=64']],
    ['an unknown log level', { LOG_LEVEL: 'verbose' }, ['logLevel: Invalid option: expected one of "fatal"|"error"|"warn"|"info"|"debug"|"trace"|"silent"']],
    ['an unknown NODE_ENV', { NODE_ENV: 'staging' }, ['env: Invalid option: expected one of "development"|"production"|"test"']],
    ['an ISSUER that is not a URL', { ISSUER: 'not a url' }, ['issuer: Invalid URL']],
    ['a URI of another database', { MONGODB_URI: 'postgres://localhost/stepup' }, ['mongodbUri: Invalid string: must start with "mongodb"']],
    ['a short admin token', { ADMIN_TOKEN: 'x'.repeat(31) }, ['adminToken: must be at least 32 characters']],
    ['a short encryption key among good ones', { ENCRYPTION_KEY: `${key},abc` }, ['encryptionKey: must be 32 bytes in base64, or several separated by commas']],
    [
      'a Twilio account without its token and sender',
      { TWILIO_ACCOUNT_SID: 'AC1' },
      ['twilio: TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM go together: set all three or none'],
    ],
    ['a Twilio API URL that is not a URL', { TWILIO_API_URL: 'nope' }, ['twilioApiUrl: Invalid URL']],
    ['yes for private client URIs', { ALLOW_PRIVATE_CLIENT_URIS: 'yes' }, ['allowPrivateClientUris: Invalid input: expected boolean, received string']],
    [
      'an https ISSUER without a trusted proxy',
      { ISSUER: 'https://id.example.com' },
      [
        'trustProxy: an https ISSUER is served through a TLS terminator: set TRUST_PROXY (true, or the number of proxies) so Stepup trusts its X-Forwarded-Proto',
      ],
    ],
    [
      'both checks across keys, at once',
      { ISSUER: 'https://id.example.com', TWILIO_FROM: '+447700900000' },
      [
        'twilio: TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM go together: set all three or none',
        'trustProxy: an https ISSUER is served through a TLS terminator: set TRUST_PROXY (true, or the number of proxies) so Stepup trusts its X-Forwarded-Proto',
      ],
    ],
    [
      // the checks across keys (here Twilio's) run only once every key is valid on its own: zod
      // runs an object's refinements after its fields pass, so they come on a second start
      'several mistakes of single keys: every one, at once',
      { WORKERS: '0', LOG_LEVEL: 'verbose', ADMIN_TOKEN: 'short', TWILIO_FROM: '+447700900000' },
      [
        'workers: Too small: expected number to be >=1',
        'logLevel: Invalid option: expected one of "fatal"|"error"|"warn"|"info"|"debug"|"trace"|"silent"',
        'adminToken: must be at least 32 characters',
      ],
    ],
  ])('refused: %s', (_, env, lines) => {
    expect(refusal(() => loadConfig(env), ConfigError)).toEqual(lines.map((line) => `  - ${line}`));
  });
});
