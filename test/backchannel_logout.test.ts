import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { jest } from '@jest/globals';
import { createRemoteJWKSet, type JWTPayload, jwtVerify } from 'jose';
import { Browser } from './support/browser.ts';
import { addClient } from './support/clients.ts';
import { waitForMessage } from './support/outbox.ts';
import { type Enrolled, enrolThroughSignIn, signIn } from './support/people.ts';
import { type RelyingParty, relyingParty } from './support/relying_party.ts';
import { type RunningStepup, startStepup } from './support/stepup.ts';

const TOKEN = 'admin-token-for-tests-0123456789abcdef';
const logoutEvent = 'http://schemas.openid.net/event/backchannel-logout';

/** The application's back-channel logout endpoint: answers with the next status queued (200 once they run out). */
class LogoutReceiver {
  readonly tokens: string[] = [];
  readonly statuses: number[] = [];
  delayMs = 0;
  private server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () =>
      setTimeout(() => {
        this.tokens.push(new URLSearchParams(body).get('logout_token') ?? '');
        res.writeHead(this.statuses.shift() ?? 200).end();
      }, this.delayMs),
    );
  });

  url = '';
  async start() {
    await new Promise<void>((done) => this.server.listen(0, '127.0.0.1', done));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/backchannel`;
  }

  async waitFor(count: number): Promise<string[]> {
    for (let i = 0; i < 300 && this.tokens.length < count; i += 1) await new Promise((r) => setTimeout(r, 20));
    return this.tokens;
  }

  close() {
    this.server.closeAllConnections();
    this.server.close();
  }
}

let stepup: RunningStepup;
let receiver: LogoutReceiver;
let app: RelyingParty;

beforeAll(async () => {
  receiver = new LogoutReceiver();
  await receiver.start();
  stepup = await startStepup({ ADMIN_TOKEN: TOKEN });
  app = await relyingParty(stepup, { firstParty: true, name: 'Notes', backchannelLogoutUri: receiver.url });
});
afterAll(async () => {
  await stepup.stop();
  receiver.close();
});
beforeEach(() => {
  receiver.tokens.length = 0;
  receiver.statuses.length = 0;
  receiver.delayMs = 0;
});

/** A signed-in person and the sid of their session at the application. */
async function signedIn(person?: Enrolled) {
  const browser = new Browser(stepup.issuer);
  const authorization = await app.authorize();
  const enrolled = person ?? (await enrolThroughSignIn(stepup, browser, authorization.url));
  if (person) await signIn(stepup, browser, authorization.url, person);
  const tokens = await authorization.exchange(browser.callbackUrl);
  return { person: enrolled, browser, idToken: tokens.claims()!, rawIdToken: tokens.id_token! };
}

/** Checks a logout token as the application must (OIDC Back-Channel Logout 2.6). */
async function verified(token: string): Promise<JWTPayload> {
  const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(`${stepup.issuer}/jwks`)), { issuer: stepup.issuer, audience: app.clientId });
  expect(payload.events).toEqual({ [logoutEvent]: {} });
  expect(payload).not.toHaveProperty('nonce');
  return payload;
}

const api = (method: string, path: string) => fetch(`${stepup.issuer}/admin/api/v1${path}`, { method, headers: { Authorization: `Bearer ${TOKEN}` } });

test('discovery says back-channel logout is supported, with sid', async () => {
  const metadata = (await (await fetch(`${stepup.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
  expect(metadata).toMatchObject({ backchannel_logout_supported: true, backchannel_logout_session_supported: true });
});

test('signing out at Stepup sends the application a signed logout token for that session', async () => {
  const { browser, idToken, rawIdToken } = await signedIn();
  await browser.open(`/session/end?${new URLSearchParams({ id_token_hint: rawIdToken, post_logout_redirect_uri: 'http://127.0.0.1:1/bye' })}`);
  await browser.submit('/session/end/confirm', { logout: 'yes' });
  expect(browser.page.url).toMatch(/^http:\/\/127\.0\.0\.1:1\/bye/);
  const [token] = await receiver.waitFor(1);
  expect(await verified(token!)).toMatchObject({ sub: idToken.sub, sid: idToken.sid });
});

test('an admin revoking sessions and disabling the account each send logout tokens, without waiting for the application', async () => {
  const { person, idToken } = await signedIn();
  receiver.delayMs = 2_000;
  const started = Date.now();
  expect((await api('POST', `/users/${person.email}/revoke-sessions`)).status).toBe(200);
  expect(Date.now() - started).toBeLessThan(1_500);
  const [token] = await receiver.waitFor(1);
  expect(await verified(token!)).toMatchObject({ sub: idToken.sub, sid: idToken.sid });

  receiver.delayMs = 0;
  const again = await signedIn(person);
  expect((await api('POST', `/users/${person.email}/disable`)).status).toBe(200);
  const tokens = await receiver.waitFor(2);
  expect(await verified(tokens[1]!)).toMatchObject({ sub: again.idToken.sub, sid: again.idToken.sid });
});

test('sign out everywhere (the account area service) and a password reset send logout tokens', async () => {
  const { person, idToken } = await signedIn();
  const account = (await stepup.container.store.accounts.findByEmail(person.email))!;
  await stepup.container.selfService.signOutEverywhere(account, { ip: '127.0.0.1', userAgent: 'test' });
  expect(await verified((await receiver.waitFor(1))[0]!)).toMatchObject({ sid: idToken.sid });

  const again = await signedIn(person);
  await stepup.container.passwords.requestReset(person.email, null, { ip: '127.0.0.1', userAgent: 'test' });
  const token = /\/password-reset\/([\w-]+)/.exec((await waitForMessage(stepup, person.email, 'reset your password')).text)![1]!;
  expect((await stepup.container.passwords.completeReset(token, 'another password nobody guesses', { ip: '127.0.0.1', userAgent: 'test' })).kind).toBe('done');
  const tokens = await receiver.waitFor(2);
  expect(await verified(tokens[1]!)).toMatchObject({ sid: again.idToken.sid });
});

test('an application that fails is retried, and the failure is logged', async () => {
  const { person, idToken } = await signedIn();
  const warn = jest.spyOn(stepup.container.logger, 'warn');
  try {
    receiver.statuses.push(503);
    expect((await api('POST', `/users/${person.email}/revoke-sessions`)).status).toBe(200);
    const tokens = await receiver.waitFor(2);
    expect(tokens).toHaveLength(2);
    expect(await verified(tokens[1]!)).toMatchObject({ sid: idToken.sid });
    expect(warn).toHaveBeenCalledWith(
      expect.objectContaining({ clientId: app.clientId, attempt: 1, reason: expect.stringContaining('503') }),
      'back-channel logout not delivered; will retry',
    );
  } finally {
    warn.mockRestore();
  }
});

test('the back-channel logout URI is registered and removed through the admin API', async () => {
  const created = await addClient(stepup.container, {
    name: 'Other',
    redirectUris: ['https://other.example/cb'],
    backchannelLogoutUri: 'https://other.example/logout',
  });
  expect(created.backchannel_logout_uri).toBe('https://other.example/logout');
  const cleared = await fetch(`${stepup.issuer}/admin/api/v1/clients/${created.client_id}`, {
    method: 'PATCH',
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ backchannelLogoutUri: null }),
  });
  expect(await cleared.json()).toMatchObject({ backchannel_logout_uri: null });
  const bad = await fetch(`${stepup.issuer}/admin/api/v1/clients`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: 'Bad', redirectUris: ['https://bad.example/cb'], backchannelLogoutUri: 'javascript:alert(1)' }),
  });
  expect(bad.status).toBe(400);
});
