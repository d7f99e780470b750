import { ConfigError, loadConfig } from '../src/config/load.ts';

test('defaults follow DESIGN.md', () => {
  const config = loadConfig({});
  expect(config.port).toBe(3000);
  expect(config.issuer).toBe('http://localhost:3000');
  expect(config.dataDir).toMatch(/\/data$/);
  expect(config.argon2).toEqual({ memoryKiB: 19456, timeCost: 2, parallelism: 1 });
  expect(config.totp).toEqual({ digits: 6, periodSeconds: 30, driftSteps: 1 });
  expect(config.recoveryCodes.count).toBe(10);
  // NIST SP 800-63B-4: 15 for a password that may sign in alone (a client with mfa on-request)
  expect(config.password.minLength).toBe(15);
});

test('the environment overrides; ISSUER follows PORT unless set', () => {
  expect(loadConfig({ PORT: '4000' }).issuer).toBe('http://localhost:4000');
  expect(loadConfig({ PORT: '4000', ISSUER: 'https://id.example.com/', TRUST_PROXY: 'true' }).issuer).toBe('https://id.example.com');
});

test('an https ISSUER needs TRUST_PROXY, since only a trusted proxy says a request came over https', () => {
  // without it every secure cookie (sign-in, account area, console) would fail with a 500
  expect(() => loadConfig({ ISSUER: 'https://id.example.com' })).toThrow(/trustProxy: an https ISSUER is served through a TLS terminator: set TRUST_PROXY/);
  expect(loadConfig({ ISSUER: 'https://id.example.com', TRUST_PROXY: '2' }).trustProxy).toBe(2);
});

test('every configuration error is reported at once', () => {
  expect(() => loadConfig({ PORT: 'eighty', ISSUER: 'not a url', ENCRYPTION_KEY: 'short', NODE_ENV: 'staging' })).toThrow(ConfigError);
  try {
    loadConfig({ PORT: 'eighty', ISSUER: 'not a url', ENCRYPTION_KEY: 'short', NODE_ENV: 'staging' });
  } catch (error) {
    const message = (error as Error).message;
    for (const key of ['port', 'issuer', 'encryptionKey', 'env']) expect(message).toContain(`- ${key}:`);
  }
});

test('TRUST_PROXY is true, false or the number of proxies that append to X-Forwarded-For', () => {
  expect(loadConfig({}).trustProxy).toBe(0);
  expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(1);
  expect(loadConfig({ TRUST_PROXY: 'false' }).trustProxy).toBe(0);
  expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
  for (const wrong of ['yes', '-1', '11', '1.5']) {
    expect(() => loadConfig({ TRUST_PROXY: wrong })).toThrow(/trustProxy: must be true, false or the number of proxies \(0 to 10\)/);
  }
});
