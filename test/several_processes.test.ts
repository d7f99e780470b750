import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'otplib';
import { seedStepup } from '../scripts/bench/seed.ts';
import { BENCH_PASSWORD, type BenchAccount } from '../scripts/bench/sign_in_flow.ts';
import { loadConfig } from '../src/config/load.ts';
import { buildContainer, type Container } from '../src/container.ts';
import { createLogger } from '../src/logger.ts';
import { Browser } from './support/browser.ts';
import { dropDatabase, freshDatabaseUri, mongoTestServerName } from './support/mongodb_server.ts';
import { freePort, type StepupProcess, startStepupProcess } from './support/stepup_process.ts';

// jest.config.js runs this file in the mongodb project only: SQLite serves one machine

const attempts = 1000;
const inFlight = 100;
const redirectUri = 'http://127.0.0.1:1/callback';

let uri: string;
let dataDir: string;
let processes: StepupProcess[];
let container: Container;
let accounts: BenchAccount[];
let client: { clientId: string; clientSecret: string };

beforeAll(async () => {
  uri = freshDatabaseUri('stepup_processes');
  dataDir = mkdtempSync(join(tmpdir(), 'stepup-processes-'));
  // Rate limits and the second-factor lockout would refuse most of the 1,000 attempts before
  // they reach the code, and hide whether the store lets two through: raised here. The password
  // lockout keeps its default of 5, which the lockout test counts.
  const unlimited = { perIp: 1_000_000, perAccount: 1_000_000, windowSeconds: 300 };
  writeFileSync(
    join(dataDir, 'config.json'),
    JSON.stringify({
      rateLimits: { login: unlimited, codeCheck: unlimited, codeSend: unlimited, passwordReset: unlimited },
      lockout: { secondFactorFailures: 1_000_000 },
    }),
  );
  const port = await freePort();
  const env = { MONGODB_URI: uri, DATA_DIR: dataDir, STEPUP_CONFIG: join(dataDir, 'config.json'), ISSUER: `http://127.0.0.1:${port}` };
  const seeded = await seedStepup({ ...env, NODE_ENV: 'test' }, 5, redirectUri);
  accounts = seeded.accounts;
  client = seeded.client;
  // both processes serve the same issuer, as two machines behind one load balancer do
  processes = await Promise.all([startStepupProcess({ ...env, PORT: String(port) }), startStepupProcess(env)]);
  const config = loadConfig({ ...process.env, ...env, NODE_ENV: 'test', LOG_LEVEL: 'silent' });
  container = await buildContainer(config, createLogger(config));
}, 60_000);

afterAll(async () => {
  await container?.close();
  await Promise.all((processes ?? []).map((p) => p.stop()));
  rmSync(dataDir, { recursive: true, force: true });
  await dropDatabase(uri);
});

/**
 * Sends `count` requests, `inFlight` at a time, every other one to the other process; answers
 * how many of each answer each process gave, e.g. { '0:success': 1, '0:401': 499, ... }.
 */
async function spread(send: (baseUrl: string) => Promise<Response>, isSuccess: (response: Response) => boolean, count = attempts) {
  const tally: Record<string, number> = {};
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const which = next++ % processes.length;
      const response = await send(processes[which]!.url);
      await response.arrayBuffer();
      const key = `${which}:${isSuccess(response) ? 'success' : response.status}`;
      tally[key] = (tally[key] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  const successes = Object.entries(tally)
    .filter(([key]) => key.endsWith(':success'))
    .reduce((n, [, count]) => n + count, 0);
  const served = processes.map((_, which) =>
    Object.entries(tally)
      .filter(([key]) => key.startsWith(`${which}:`))
      .reduce((n, [, c]) => n + c, 0),
  );
  const errors = Object.entries(tally)
    .filter(([key]) => /:5\d\d$/.test(key))
    .reduce((n, [, c]) => n + c, 0);
  return { tally, successes, served, errors };
}

const form = (browser: Browser, fields: Record<string, string>) => ({
  method: 'POST',
  redirect: 'manual' as const,
  headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: browser.cookieHeader(), accept: 'text/html' },
  body: new URLSearchParams(fields).toString(),
});

/** A sign-in on the first process up to its second-factor page; the PKCE verifier for the code. */
async function atSecondFactor(account: BenchAccount) {
  const verifier = randomBytes(32).toString('base64url');
  const query = new URLSearchParams({
    client_id: client.clientId,
    redirect_uri: redirectUri,
    response_type: 'code',
    scope: 'openid',
    state: 's',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  });
  const browser = new Browser(processes[0]!.url);
  await browser.open(`/auth?${query}`);
  await browser.submit('/login', { email: account.email, password: BENCH_PASSWORD });
  expect(browser.page.url).toMatch(/\/second-factor$/);
  const csrf = browser.forms().find((f) => f.action.endsWith('/second-factor'))!.fields.csrf!;
  return { browser, verifier, path: new URL(browser.page.url).pathname, csrf };
}

// A code accepted completes the sign-in: a redirect to the provider's /auth/<uid>. Attempts that
// arrive once the winner has finished find no second factor owed and are sent there too (the
// same browser's sign-in continues), so the codes accepted are counted in the audit log.
const backToProvider = (response: Response) => response.status === 303 && /\/auth\//.test(response.headers.get('location') ?? '');
const codesAccepted = async (accountId: string, type: 'code_ok' | 'recovery_code_used') =>
  (await container.store.audit.query({ accountId, type, limit: 2000 })).length;
const accountOf = async (account: BenchAccount) => (await container.store.accounts.findByEmail(account.email))!;
const totpNow = (account: BenchAccount) => generate({ secret: account.totpSecret!, epoch: Math.floor(Date.now() / 1000) });
const report = (what: string, result: { tally: Record<string, number>; successes: number; served: number[] }) =>
  console.log(
    `${what} on ${mongoTestServerName()}, ${result.served[0]! + result.served[1]!} attempts over two processes (served ${result.served.join(' + ')}): ${result.successes} success; answers ${JSON.stringify(result.tally)}`,
  );

test('one TOTP code: of 1,000 attempts across two processes, exactly one signs in', async () => {
  const { browser, path, csrf } = await atSecondFactor(accounts[0]!);
  const code = await totpNow(accounts[0]!);
  const result = await spread((base) => fetch(`${base}${path}`, form(browser, { method: 'totp', code, csrf })), backToProvider);
  report('TOTP step', result);
  expect(await codesAccepted((await accountOf(accounts[0]!)).id, 'code_ok')).toBe(1);
  expect(result.served).toEqual([attempts / 2, attempts / 2]);
  expect(result.errors).toBe(0);
}, 60_000);

test('one recovery code: of 1,000 attempts across two processes, exactly one signs in', async () => {
  const account = await accountOf(accounts[1]!);
  const [code] = await container.secondFactors.regenerateRecoveryCodes(account.id);
  const { browser, path, csrf } = await atSecondFactor(accounts[1]!);
  const result = await spread((base) => fetch(`${base}${path}`, form(browser, { method: 'recovery', code: code!, csrf })), backToProvider);
  report('recovery code', result);
  expect({ accepted: await codesAccepted(account.id, 'recovery_code_used'), errors: result.errors }).toEqual({ accepted: 1, errors: 0 });
  expect(await container.secondFactors.recoveryCodesLeft(account.id)).toBe(9);
}, 60_000);

test('one email code: of 1,000 attempts across two processes, exactly one signs in', async () => {
  const account = await accountOf(accounts[2]!);
  const address = account.email;
  // the email as a second factor, as an admin makes it one
  await container.userAdmin.update(address, { emailCode: true });
  const { browser, path, csrf } = await atSecondFactor(accounts[2]!);
  const sent = await fetch(`${processes[1]!.url}${path}/send`, form(browser, { method: 'email', csrf }));
  expect(sent.status).toBe(303);
  const { readFileSync } = await import('node:fs');
  const mail = readFileSync(join(dataDir, 'outbox.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { to: string; text: string })
    .filter((m) => m.to === address)
    .at(-1)!;
  const code = /\b(\d{6})\b/.exec(mail.text)![1]!;
  const result = await spread((base) => fetch(`${base}${path}`, form(browser, { method: 'email', code, csrf })), backToProvider);
  report('email code', result);
  expect({ accepted: await codesAccepted(account.id, 'code_ok'), errors: result.errors }).toEqual({ accepted: 1, errors: 0 });
}, 60_000);

test('one authorization code: of 1,000 token requests across two processes, exactly one gets tokens', async () => {
  const { browser, verifier } = await atSecondFactor(accounts[3]!);
  await browser.submit('/second-factor', { method: 'totp', code: await totpNow(accounts[3]!) });
  const code = browser.callbackUrl.searchParams.get('code');
  expect(code).toBeTruthy();
  const basic = `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`;
  const result = await spread(
    (base) =>
      fetch(`${base}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic },
        body: new URLSearchParams({ grant_type: 'authorization_code', code: code!, redirect_uri: redirectUri, code_verifier: verifier }).toString(),
      }),
    (response) => response.status === 200,
  );
  report('authorization code', result);
  expect({ successes: result.successes, errors: result.errors }).toEqual({ successes: 1, errors: 0 });
}, 60_000);

test('200 wrong passwords split across two processes lock the account at exactly the threshold', async () => {
  const account = await accountOf(accounts[4]!);
  const browser = new Browser(processes[0]!.url);
  const query = new URLSearchParams({
    client_id: client.clientId,
    redirect_uri: redirectUri,
    response_type: 'code',
    scope: 'openid',
    state: 's',
    code_challenge: 'x'.repeat(43),
    code_challenge_method: 'S256',
  });
  await browser.open(`/auth?${query}`);
  const loginForm = browser.forms().find((f) => f.action.endsWith('/login'))!;
  const path = new URL(loginForm.action, processes[0]!.url).pathname;
  const wrong = (base: string) =>
    fetch(`${base}${path}`, form(browser, { ...loginForm.fields, email: accounts[4]!.email, password: 'not the password at all' }));
  // each wrong password costs an argon2 hash (a decoy one once locked): fewer attempts here
  const passwordAttempts = 200;
  const result = await spread(wrong, () => false, passwordAttempts);
  report('wrong passwords', result);
  expect(result.errors).toBe(0);
  const events = await container.store.audit.query({ accountId: account.id, limit: 10_000 });
  const checked = events.filter((e) => e.type === 'login_failed' && e.detail === 'wrong_password').length;
  const refused = events.filter((e) => e.type === 'login_failed' && e.detail === 'locked').length;
  const lockouts = events.filter((e) => e.type === 'lockout').length;
  console.log(
    `lockout across two processes: ${checked} passwords checked (threshold ${container.config.lockout.passwordFailures}), ${refused} refused as locked, ${lockouts} lockout`,
  );
  expect({ checked, refused, lockouts }).toEqual({ checked: container.config.lockout.passwordFailures, refused: passwordAttempts - checked, lockouts: 1 });
  expect(await container.lockout.lockedUntil(account.id)).not.toBeNull();
}, 120_000);
