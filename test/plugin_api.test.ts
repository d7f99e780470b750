import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Provider from 'oidc-provider';
import * as oidc from 'openid-client';
import { generate } from 'otplib';
import { pino } from 'pino';
import { createStepup, type Person, SettingsError, type Stepup } from '../src/index.ts';
import { Browser } from './support/browser.ts';
import { continueFromRecoveryCodes } from './support/people.ts';

/**
 * The plugin through its public entry point, hosted by a bare node:http server (as an
 * Express app would host it: `callback()` with a `next`), with its own people and login page.
 */
const redirectUri = 'http://127.0.0.1:1/callback';
const secret = 'plugin-api-client-secret-0123456789';
const people = new Map<string, Person>([
  ['p-1', { id: 'p-1', email: 'pat@example.com', phone: null }],
  ['p-off', { id: 'p-off', email: 'off@example.com', disabled: true }],
  // a host whose people have no email address
  ['p-nomail', { id: 'p-nomail' }],
]);

/** What Stepup logged, one parsed line each. */
const logged: { level: number; msg: string }[] = [];

let dir: string;
let server: Server;
let issuer: string;
let stepup: Stepup;

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  let body = '';
  for await (const chunk of req) body += chunk;
  return new URLSearchParams(body);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'stepup-plugin-'));
  server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  // the host's own look: Stepup's pages render inside its layout
  const layout = join(dir, 'host_layout.njk');
  writeFileSync(
    layout,
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{% block title %}{% endblock %} · Host Corp</title>
<link rel="stylesheet" href="{{ assets }}/stepup.css"></head>
<body><header id="host-header">Host Corp, your account</header><main class="card {% block width %}{% endblock %}">{% block content %}{% endblock %}</main></body></html>`,
  );
  stepup = await createStepup({
    issuer,
    people: { findById: async (id) => people.get(id) ?? null },
    store: { sqlitePath: join(dir, 'stepup.db') },
    encryptionKey: randomBytes(32).toString('base64'),
    settings: { serviceName: 'Host' },
    layout,
    logger: pino({}, { write: (line: string) => logged.push(JSON.parse(line)) }),
  });
  const provider = new Provider(
    issuer,
    stepup.configuration({
      clients: [{ client_id: 'app', client_secret: secret, redirect_uris: [redirectUri], mfa_policy: 'required', first_party: true }],
      cookies: { keys: ['host-cookie-key'] },
      findAccount: async (_ctx, id) => ({ accountId: id, claims: () => ({ sub: id }) }),
    }),
  );
  stepup.attach(provider);
  const stepupPages = stepup.callback();
  const providerCallback = provider.callback();

  /** The host: its own login page at the interaction's address (a first-party client needs no consent page), and the provider for the rest. */
  const host = async (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url!, issuer).pathname;
    const login = /^\/interaction\/([\w-]+)(\/login)?$/.exec(path);
    if (!login) return providerCallback(req, res);
    if (!login[2]) {
      res.writeHead(200, { 'content-type': 'text/html' }).end(`<h1>Host login</h1><form method="post" action="/interaction/${login[1]}/login"></form>`);
      return;
    }
    const form = await readForm(req);
    const person = form.get('person')!;
    // a host that kept oidc-provider's usual login handler finishes the login prompt itself
    const url = form.has('finish-itself')
      ? await provider.interactionResult(req, res, { login: { accountId: person } })
      : await stepup.passwordAccepted({ req, res }, person);
    res.writeHead(303, { location: url }).end();
  };
  server.on('request', (req, res) => {
    stepupPages(req, res, () => {
      host(req, res).catch((error: Error & { status?: number }) => res.writeHead(error.status ?? 500).end(error.message));
    });
  });
});
afterAll(async () => {
  await stepup?.close();
  server?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function authorize(params: Record<string, string> = {}) {
  const config = await oidc.discovery(new URL(issuer), 'app', undefined, oidc.ClientSecretBasic(secret), { execute: [oidc.allowInsecureRequests] });
  const state = oidc.randomState();
  const url = oidc.buildAuthorizationUrl(config, { redirect_uri: redirectUri, scope: 'openid', state, ...params });
  return { url: url.href, exchange: (callback: URL) => oidc.authorizationCodeGrant(config, callback, { expectedState: state }) };
}

test("a host's person enrols an authenticator app and signs in: Stepup's pages through callback(), the host's through next", async () => {
  const browser = new Browser(issuer);
  const { url, exchange } = await authorize();
  await browser.open(url);
  expect(browser.page.html).toContain('<h1>Host login</h1>');
  await browser.submit('/login', { person: 'p-1' });
  expect(browser.page.url).toMatch(/\/interaction\/[\w-]+\/enrol$/);
  // Stepup's page inside the host's layout
  expect(browser.page.html).toContain('<header id="host-header">Host Corp, your account</header>');
  expect(browser.page.html).toMatch(/<title>[^<]+ · Host Corp<\/title>/);
  // this host configured no email or SMS sender: only the app is offered
  expect(browser.page.html).toContain('/enrol/totp');
  expect(browser.page.html).not.toMatch(/\/enrol\/(email|sms)/);
  const enrolPage = browser.page.url;
  expect((await browser.open(`${enrolPage}/sms`)).status).toBe(404);
  await browser.open(`${enrolPage}/totp`);
  const key = browser.textOf('totp-secret')!;
  await browser.submit('/enrol/totp', { code: await generate({ secret: key }) });
  await continueFromRecoveryCodes(browser);
  const claims = (await exchange(browser.callbackUrl)).claims()!;
  expect(claims).toMatchObject({ sub: 'p-1', acr: 'urn:stepup:loa:2fa', amr: ['pwd', 'otp', 'mfa'] });
  expect(await stepup.secondFactors.methodsFor('p-1')).toEqual(['totp', 'recovery']);
  expect(await stepup.secondFactors.recoveryCodesLeft('p-1')).toBe(10);
});

test("a host's person without an email enrols an authenticator app and signs in again: no email method, no alert, no error", async () => {
  const before = logged.length;
  const first = new Browser(issuer);
  const enrolment = await authorize();
  await first.open(enrolment.url);
  await first.submit('/login', { person: 'p-nomail' });
  await first.open(`${first.page.url}/totp`);
  const key = first.textOf('totp-secret')!;
  // the app shows the account by the person's id
  expect(first.page.html).toContain('otpauth://totp/Host:p-nomail?');
  await first.submit('/enrol/totp', { code: await generate({ secret: key }) });
  await continueFromRecoveryCodes(first);
  expect((await enrolment.exchange(first.callbackUrl)).claims()).toMatchObject({ sub: 'p-nomail', acr: 'urn:stepup:loa:2fa' });

  // another browser: the second-factor page, with the app and recovery codes only
  const again = new Browser(issuer);
  const signIn = await authorize();
  await again.open(signIn.url);
  await again.submit('/login', { person: 'p-nomail' });
  expect(again.page.url).toMatch(/\/second-factor$/);
  expect(again.page.html).not.toMatch(/method=email|Email code/);
  await again.submit('/second-factor', { code: await generate({ secret: key, epoch: Math.floor(Date.now() / 1000) + 30 }) });
  const claims = (await signIn.exchange(again.callbackUrl)).claims()!;
  expect(claims).toMatchObject({ sub: 'p-nomail', acr: 'urn:stepup:loa:2fa', amr: ['pwd', 'otp', 'mfa'] });
  // the "factor added" and "new browser" alerts have nowhere to go: said, not failed
  await stepup.alert.settled();
  expect(logged.slice(before).filter((line) => line.level >= 40)).toEqual([]);
  expect(logged.slice(before).map((line) => line.msg)).toContain('security alert not sent: the person has no email address');
  // the audit log has the sign-in's events, with no email
  const events = (await stepup.store.audit.query({ accountId: 'p-nomail', limit: 50 })).map((event) => [event.type, event.channel, event.email]);
  expect(events).toEqual(
    expect.arrayContaining([
      ['enrolment', 'totp', null],
      ['code_ok', 'totp', null],
    ]),
  );
});

test('a host that finishes the login prompt itself (interactionResult with login) gets an error page and a log line naming the fix, never a loop', async () => {
  for (const attempt of [1, 2]) {
    const browser = new Browser(issuer);
    await browser.open((await authorize()).url);
    expect(browser.page.html).toContain('<h1>Host login</h1>');
    const before = logged.length;
    await browser.submit('/login', { person: 'p-1', 'finish-itself': 'yes' });
    // not the login page again: a page that says the sign-in could not complete
    expect([attempt, browser.page.status]).toEqual([attempt, 500]);
    expect(browser.page.html).not.toContain('<h1>Host login</h1>');
    expect(browser.page.html).toContain('Your sign-in could not be completed');
    const errors = logged.slice(before).filter((line) => line.level === 50);
    expect(errors.map((line) => line.msg)).toContainEqual(expect.stringContaining('the host finished the login prompt itself: call stepup.passwordAccepted'));
  }
});

test("a host's handler is refused an interaction other than the one its URL names, though the cookie names one", async () => {
  const browser = new Browser(issuer);
  await browser.open((await authorize()).url);
  const uid = /\/interaction\/([\w-]+)$/.exec(browser.page.url)![1]!;
  // this test's browser sends its cookies to every path, as a cookie planted for another path would be sent
  await browser.post('/interaction/another-sign-in/login', { person: 'p-1' });
  expect(browser.page.status).toBe(400);
  expect(browser.page.html).toContain('This sign-in has expired');
  await browser.post(`/interaction/${uid}/login`, { person: 'p-1' });
  expect(browser.page.url).toMatch(new RegExp(`/interaction/${uid}/second-factor$`));
});

test('a person the host reports as disabled cannot pass the second factor', async () => {
  const browser = new Browser(issuer);
  await browser.open((await authorize()).url);
  await browser.submit('/login', { person: 'p-off' });
  // no one owes a second factor here: back to the authorization endpoint, which asks the host's login again
  expect(browser.page.html).toContain('<h1>Host login</h1>');
  expect(await stepup.secondFactors.methodsFor('p-off')).toEqual([]);
});

test('bad configuration is refused with a clear message, before anything is opened', async () => {
  const base = {
    issuer,
    people: { findById: async () => null },
    store: { sqlitePath: join(dir, 'other.db') },
    encryptionKey: randomBytes(32).toString('base64'),
  };
  await expect(createStepup({ ...base, settings: { totp: { digits: 7 as 6 } } })).rejects.toThrow(SettingsError);
  await expect(createStepup({ ...base, settings: { lockout: { secondFactorFailures: 0 } } })).rejects.toThrow(/lockout.secondFactorFailures/);
  await expect(createStepup({ ...base, layout: 'layout.njk' })).rejects.toThrow('layout must be an absolute path to a nunjucks template: layout.njk');
  await expect(createStepup({ ...base, layout: join(dir, 'no_such_layout.njk') })).rejects.toThrow(/layout .*no_such_layout\.njk cannot be read/);
  expect(() => stepup.configuration({ interactions: { url: () => '/login' } })).toThrow(/Stepup sets interactions.url/);
  // oidc-provider drops client metadata it does not know without a word: a misspelt policy would quietly be `required`
  expect(() => stepup.configuration({ clients: [{ client_id: 'shop', redirect_uris: [redirectUri], mfa_polcy: 'phishing-resistant' }] })).toThrow(
    /client "shop": mfa_polcy is not client metadata\nStepup's client metadata keys are first_party, mfa_policy, id_token_claims, allowed_resources/,
  );
  // the sign-in's lifetime is one: a host's other ttl.Interaction is refused, none is set to Stepup's
  expect(() => stepup.configuration({ ttl: { Interaction: 3600 } })).toThrow(
    "ttl.Interaction (3600) must equal Stepup's settings.interactionSeconds (1800): set one to the other, or leave ttl.Interaction out and Stepup sets it",
  );
  // (AuthorizationCode: the host's, capped at 60 s for FAPI 2.0 clients)
  expect(stepup.configuration({ ttl: { Session: 60 } }).ttl).toEqual({ Session: 60, Interaction: 1800, AuthorizationCode: expect.any(Function) });
  expect(stepup.configuration({ ttl: { Interaction: 1800 } }).ttl?.Interaction).toBe(1800);
  // oidc-provider's development pages would sign anyone in past Stepup: off unless asked, refused when asked
  expect(stepup.configuration({}).features?.devInteractions).toEqual({ enabled: false });
  expect(stepup.configuration({ features: { claimsParameter: { enabled: true } } }).features).toMatchObject({ claimsParameter: { enabled: true } });
  expect(() => stepup.configuration({ features: { devInteractions: { enabled: true } } })).toThrow(
    'features.devInteractions must be off: its pages sign anyone in without a password or a second factor',
  );
});

test("with a basePath, Stepup's stylesheet and script are served under it, and the host's own /assets are left to the host", async () => {
  const based = await createStepup({
    issuer,
    people: { findById: async () => null },
    store: { sqlitePath: join(dir, 'based.db') },
    encryptionKey: randomBytes(32).toString('base64'),
    basePath: '/signin',
  });
  const hostAnswers = createServer((req, res) => based.callback()(req, res, () => res.writeHead(299).end('the host')));
  await new Promise<void>((resolve) => hostAnswers.listen(0, '127.0.0.1', resolve));
  try {
    const at = (path: string) => fetch(`http://127.0.0.1:${(hostAnswers.address() as { port: number }).port}${path}`);
    for (const file of ['stepup.css', 'passkey.js']) {
      const served = await at(`/signin/assets/${file}`);
      expect([file, served.status]).toEqual([file, 200]);
      expect([file, (await at(`/assets/${file}`)).status]).toEqual([file, 299]);
    }
  } finally {
    hostAnswers.close();
    await based.close();
  }
});
