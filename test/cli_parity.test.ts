import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adminRoutes } from '../src/admin_api/routes.ts';
import { loadConfig } from '../src/config/load.ts';
import { buildContainer } from '../src/container.ts';
import { createLogger } from '../src/logger.ts';
import { runStepupCli } from './support/cli.ts';
import { dropDatabase, freshDatabaseUri } from './support/mongodb_server.ts';

let env: Record<string, string>;
beforeEach(() => {
  const dataDir = mkdtempSync(join(tmpdir(), 'stepup-cli-'));
  env = { DATA_DIR: dataDir, ...(process.env.STEPUP_TEST_STORE === 'mongodb' ? { MONGODB_URI: freshDatabaseUri('stepup_cli') } : {}) };
});
afterEach(async () => {
  rmSync(env.DATA_DIR!, { recursive: true, force: true });
  if (env.MONGODB_URI) await dropDatabase(env.MONGODB_URI);
});

const stepup = (args: string[], input?: string) => runStepupCli(env, args, input);
const json = (args: string[], input?: string) => {
  const result = stepup([...args, '--json'], input);
  if (result.code !== 0) throw new Error(`stepup ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return JSON.parse(result.stdout);
};

/** The CLI command for each admin API operation. */
const cliFor: Record<string, string[]> = {
  listClients: ['client', 'list'],
  createClient: ['client', 'add'],
  getClient: ['client', 'get'],
  updateClient: ['client', 'update'],
  deleteClient: ['client', 'remove'],
  rotateClientSecret: ['client', 'rotate-secret'],
  listUsers: ['user', 'list'],
  createUser: ['user', 'add'],
  getUser: ['user', 'get'],
  updateUser: ['user', 'update'],
  disableUser: ['user', 'disable'],
  enableUser: ['user', 'enable'],
  unlockUser: ['user', 'unlock'],
  listUserMethods: ['user', 'methods'],
  resetSecondFactor: ['user', 'reset-2fa'],
  removeUserMethod: ['user', 'remove-method'],
  listRememberedBrowsers: ['user', 'remembered-browsers'],
  forgetRememberedBrowser: ['user', 'forget-browser'],
  revokeSessions: ['user', 'revoke-sessions'],
  queryAudit: ['audit', 'query'],
  auditSummary: ['audit', 'summary'],
  listKeys: ['keys', 'list'],
  rotateKeys: ['keys', 'rotate'],
};

test('every admin API operation has a CLI command with --help and --json', async () => {
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: env.DATA_DIR! });
  const container = await buildContainer(config, createLogger(config));
  const operations = adminRoutes(container).map((route) => route.operationId);
  await container.close();
  expect(Object.keys(cliFor).sort()).toEqual(operations.sort());
  for (const command of Object.values(cliFor)) {
    const help = stepup([...command, '--help']);
    expect([command.join(' '), help.code]).toEqual([command.join(' '), 0]);
    expect(help.stdout).toContain(`Usage: stepup ${command.join(' ')}`);
    expect(help.stdout).toContain('--json');
  }
});

test('clients: get, update, rotate-secret, paging', () => {
  const a = json(['client', 'add', '--name', 'A', '--redirect-uri', 'https://a.example/cb']);
  json(['client', 'add', '--name', 'B', '--redirect-uri', 'https://b.example/cb', '--public']);
  expect(json(['client', 'get', a.client_id])).toMatchObject({ name: 'A', mfa_policy: 'required', default_acr: null });

  const updated = json(['client', 'update', a.client_id, '--mfa', 'on-request', '--default-acr', 'urn:stepup:loa:2fa', '--first-party', '--name', 'A2']);
  expect(updated).toMatchObject({
    name: 'A2',
    mfa_policy: 'on-request',
    default_acr: 'urn:stepup:loa:2fa',
    first_party: true,
    redirect_uris: ['https://a.example/cb'],
  });
  expect(json(['client', 'update', a.client_id, '--no-first-party', '--default-acr', 'none'])).toMatchObject({ first_party: false, default_acr: null });

  const rotated = json(['client', 'rotate-secret', a.client_id]);
  expect(rotated.client_secret).toMatch(/^[\w-]{43}$/);
  expect(rotated.client_secret).not.toBe(a.client_secret);

  expect(json(['client', 'list', '--limit', '1', '--offset', '1'])).toMatchObject({ total: 2, items: [{ name: 'B' }] });
  const table = stepup(['client', 'list', '--limit', '1']);
  expect(table.stdout).toMatch(/^client_id\s+name\s+mfa_policy\s+default_acr\s+first_party\s+public\s+redirect_uris$/m);
  expect(table.stdout).toContain('1 of 2, from 1');

  expect(stepup(['client', 'update', a.client_id]).code).toBe(2);
  expect(stepup(['client', 'list', '--limit', 'many']).code).toBe(2);
  expect(stepup(['client', 'get', 'nope']).stderr).toContain('no client nope');
  expect(stepup(['client', 'rotate-secret', 'nope']).code).toBe(1);
});

test('users: search, get, update, disable, enable, methods, reset-2fa, revoke-sessions', () => {
  const ann = json(['user', 'add', '--email', 'ann@example.com', '--phone', '+15550101010', '--password-stdin'], 'a long password');
  json(['user', 'add', '--email', 'bob@example.com', '--email-code', '--password-stdin'], 'a long password');

  expect(json(['user', 'list', '--search', 'ANN']).items.map((u: { email: string }) => u.email)).toEqual(['ann@example.com']);
  expect(json(['user', 'list', '--limit', '1'])).toMatchObject({ total: 2, items: [{ email: 'ann@example.com' }] });
  expect(json(['user', 'get', ann.id])).toMatchObject({ email: 'ann@example.com', locked_until: null, methods: [{ kind: 'sms', target: '+15550101010' }] });
  expect(stepup(['user', 'get', 'bob@example.com']).stdout).toMatch(/^kind|\bemail\s+bob@example\.com\s+true/m);

  expect(json(['user', 'update', 'ann@example.com', '--new-email', 'ann.b@example.com', '--no-phone'])).toMatchObject({
    email: 'ann.b@example.com',
    phone: null,
  });
  expect(json(['user', 'methods', ann.id])).toEqual({ methods: [], recovery_codes_left: 0 });

  expect(json(['user', 'disable', '--email', 'bob@example.com'])).toMatchObject({ disabled: true, revoked: 0 });
  expect(json(['user', 'enable', 'bob@example.com'])).toMatchObject({ disabled: false });
  expect(json(['user', 'reset-2fa', 'bob@example.com'])).toMatchObject({ methods_removed: 1 });
  expect(json(['user', 'revoke-sessions', 'bob@example.com'])).toMatchObject({ revoked: 0 });
  expect(stepup(['user', 'revoke-sessions', 'bob@example.com']).stdout).toContain('bob@example.com: 0 sessions and tokens ended');

  const audit = json(['audit', '--user', 'bob@example.com']).map((e: { detail: string }) => e.detail);
  expect(audit).toEqual(['sessions revoked', 'sessions revoked', 'second factor reset', 'enabled', 'disabled', 'user added']);

  expect(stepup(['user', 'disable']).code).toBe(2);
  expect(stepup(['user', 'disable', 'nobody@example.com']).code).toBe(1);
  expect(stepup(['user', 'update', 'bob@example.com', '--new-email', 'ann.b@example.com']).stderr).toContain('exists');
});

test('keys: list and rotate', () => {
  const before = json(['keys', 'list']);
  expect(before.filter((k: { state: string }) => k.state === 'active')).toHaveLength(3);
  const after = json(['keys', 'rotate', '--activate-in', '120']);
  expect(after.filter((k: { state: string }) => k.state === 'pending')).toHaveLength(3);
  expect(stepup(['keys', 'list']).stdout).toMatch(/^use\s+kid\s+alg\s+state\s+activates_at\s+retires_at$/m);
  expect(stepup(['keys', 'rotate', '--activate-in', 'soon']).code).toBe(2);
});
