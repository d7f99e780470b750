import type { Browser as Chromium } from 'playwright-core';
import { ACR_2FA, challengeOf, createAccessTokenVerifier, type Requirement } from '../src/resource_server/index.ts';
import { Browser } from './support/browser.ts';
import { describeInChromium, launchChromium } from './support/chromium.ts';
import { addClient } from './support/clients.ts';
import { startExample as startExampleProcess, stopExamples } from './support/examples.ts';
import { type Enrolled, enrolThroughSignIn, nextTimeStep, totpCode } from './support/people.ts';
import { type RelyingParty, relyingParty } from './support/relying_party.ts';
import { type RunningStepup, startStepup } from './support/stepup.ts';
import { freePort } from './support/stepup_process.ts';

/**
 * RFC 9470 end to end: the example payments APIs (examples/resource-server, on Node http,
 * Express and Koa) check Stepup's access tokens with the package's resource-server kit, and
 * the example web application (examples/step-up-app) turns their challenge into a step-up.
 */
const audience = 'https://payments.example';
const scope = 'openid payments:read payments:write';
const maybe = describeInChromium('the step-up example application');

let stepup: RunningStepup;
let rp: RelyingParty;
let person: Enrolled;
/** One of each kind of token, for all the APIs: each sign-in counts against the login rate limit. */
const tokens = { password: '', secondFactor: '', readOnly: '', idToken: '' };

/** An example, with Stepup's issuer and the payments API's audience. */
const startExample = (file: string, env: Record<string, string>) => startExampleProcess(stepup, file, { AUDIENCE: audience, ...env });

/** An access token for the payments API: the password alone (1fa), or with the app code (2fa). */
async function accessToken(level: '1fa' | '2fa', scopes = scope): Promise<string> {
  const authorization = await rp.authorize({ scope: scopes, resource: audience, ...(level === '2fa' && { acr_values: 'urn:stepup:loa:2fa' }) });
  const browser = new Browser(stepup.issuer);
  await browser.open(authorization.url);
  await browser.submit('/login', { email: person.email, password: person.password });
  if (level === '2fa') {
    await browser.submit('/second-factor', { code: await totpCode(stepup, person.secret) });
    nextTimeStep(stepup);
  }
  return (await authorization.exchange(browser.callbackUrl, { resource: audience })).access_token;
}

const call = (api: string, path: string, token?: string) =>
  fetch(`${api}${path}`, { method: path === '/transfers' ? 'POST' : 'GET', headers: token ? { authorization: `Bearer ${token}` } : {} });

beforeAll(async () => {
  stepup = await startStepup({}, { resourceServers: { [audience]: { name: 'Payments', scopes: ['payments:read', 'payments:write'] } } });
  const payments = { allowedResources: { [audience]: ['payments:read', 'payments:write'] } };
  rp = await relyingParty(stepup, { firstParty: true, mfaPolicy: 'on-request', ...payments });
  const enrolling = await relyingParty(stepup, { firstParty: true });
  person = await enrolThroughSignIn(stepup, new Browser(stepup.issuer), (await enrolling.authorize()).url);
  tokens.password = await accessToken('1fa');
  tokens.secondFactor = await accessToken('2fa');
  tokens.readOnly = await accessToken('2fa', 'openid payments:read');
  tokens.idToken = await idTokenOf(person);
});
afterAll(async () => {
  stopExamples();
  await stepup.stop();
});

describe.each(['node_http.js', 'koa.js', 'express.js'])('the kit in examples/resource-server/%s', (file) => {
  let api: string;
  beforeAll(async () => {
    api = await startExample(`resource-server/${file}`, {});
  });

  test('a call without a token is answered 401 with the Bearer scheme alone (RFC 6750 §3.1)', async () => {
    const answer = await call(api, '/balance');
    expect(answer.status).toBe(401);
    expect(answer.headers.get('www-authenticate')).toBe('Bearer');
  });

  test('a token at the password alone reads the balance, and is challenged for a transfer with acr_values and max_age (RFC 9470 §3)', async () => {
    const token = tokens.password;
    const balance = await call(api, '/balance', token);
    expect(balance.status).toBe(200);
    expect(await balance.json()).toMatchObject({ balance: '1200.00' });

    const transfer = await call(api, '/transfers', token);
    expect(transfer.status).toBe(401);
    expect(transfer.headers.get('www-authenticate')).toBe(
      'Bearer error="insufficient_user_authentication", error_description="this call needs a sign-in at urn:stepup:loa:2fa", acr_values="urn:stepup:loa:2fa", max_age="600"',
    );
    expect(await transfer.json()).toEqual({ error: 'insufficient_user_authentication', error_description: 'this call needs a sign-in at urn:stepup:loa:2fa' });
  });

  test('a token with the second factor makes the transfer', async () => {
    const transfer = await call(api, '/transfers', tokens.secondFactor);
    expect(transfer.status).toBe(200);
    expect(await transfer.json()).toEqual({ transfer: 'done', acr: 'urn:stepup:loa:2fa' });
  });

  test("a token without the route's scope is refused 403 insufficient_scope, naming the scope", async () => {
    const transfer = await call(api, '/transfers', tokens.readOnly);
    expect(transfer.status).toBe(403);
    expect(transfer.headers.get('www-authenticate')).toBe(
      'Bearer error="insufficient_scope", error_description="the token lacks the scope payments:write", scope="payments:write"',
    );
  });

  test('a forged, an altered or a foreign token is invalid_token; a malformed header is invalid_request', async () => {
    const token = tokens.secondFactor;
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    const raised = Buffer.from(JSON.stringify({ ...claims, scope: `${claims.scope} payments:admin` })).toString('base64url');
    for (const bad of [`${header}.${raised}.${signature}`, `${header}.${payload}.${signature!.slice(0, -4)}AAAA`]) {
      const answer = await call(api, '/balance', bad);
      expect(answer.status).toBe(401);
      expect(answer.headers.get('www-authenticate')).toBe('Bearer error="invalid_token", error_description="the access token is not valid"');
    }
    // the ID token of the same sign-in is signed by the same keys, but is no access token (typ)
    expect((await call(api, '/balance', tokens.idToken)).headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);

    const malformed = await fetch(`${api}/balance`, { headers: { authorization: 'Bearer two tokens' } });
    expect(malformed.status).toBe(400);
    expect(malformed.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_request"/);
  });
});

async function idTokenOf(someone: Enrolled): Promise<string> {
  const authorization = await rp.authorize({ scope, resource: audience });
  const browser = new Browser(stepup.issuer);
  await browser.open(authorization.url);
  await browser.submit('/login', { email: someone.email, password: someone.password });
  return (await authorization.exchange(browser.callbackUrl, { resource: audience })).id_token!;
}

test('a token for another API is refused as for another API', async () => {
  const other = 'https://ledger.example';
  const api = await startExample('resource-server/node_http.js', { AUDIENCE: other });
  const answer = await call(api, '/balance', tokens.secondFactor);
  expect(answer.status).toBe(401);
  expect(answer.headers.get('www-authenticate')).toBe('Bearer error="invalid_token", error_description="the access token is for another API"');
});

test("a token older than the route's max_age is challenged again, with max_age, though it has the level", async () => {
  // auth_time follows Stepup's test clock, which the tests move ahead of the real one: the
  // kit is given the time at which this sign-in is three seconds old
  const { auth_time: authTime } = JSON.parse(Buffer.from(tokens.secondFactor.split('.')[1]!, 'base64url').toString());
  const verifier = createAccessTokenVerifier({ issuer: stepup.issuer, audience, now: () => authTime + 3 });
  const transfers: Requirement = { scopes: ['payments:write'], acr: ACR_2FA, maxAge: 2 };
  const verdict = await verifier.check(`Bearer ${tokens.secondFactor}`, transfers);
  expect(verdict.ok).toBe(false);
  expect(!verdict.ok && challengeOf(verdict.refusal)).toBe(
    'Bearer error="insufficient_user_authentication", error_description="this call needs a sign-in within the last 2 seconds", acr_values="urn:stepup:loa:2fa", max_age="2"',
  );
  expect(await verifier.check(`Bearer ${tokens.secondFactor}`, { ...transfers, maxAge: 3 })).toMatchObject({ ok: true, claims: { acr: ACR_2FA } });
});

maybe('the example application steps up when the API challenges it', () => {
  let chromium: Chromium;
  beforeAll(async () => {
    chromium = await launchChromium();
  });
  afterAll(() => chromium?.close());

  test('signed in with the password, a transfer sends the person to Stepup for the app code alone, then the call goes through', async () => {
    const api = await startExample('resource-server/koa.js', {});
    const appPort = await freePort();
    const app = await addClient(stepup.container, {
      name: 'Payments',
      redirectUris: [`http://127.0.0.1:${appPort}/callback`],
      firstParty: true,
      mfaPolicy: 'on-request',
      allowedResources: { [audience]: ['payments:read', 'payments:write'] },
    });
    await startExample('step-up-app/server.js', { PORT: String(appPort), API: api, CLIENT_ID: app.client_id, CLIENT_SECRET: app.client_secret! });

    const page = await (await chromium.newContext()).newPage();
    await page.goto(`http://127.0.0.1:${appPort}/`);
    await page.getByLabel('Email').fill(person.email);
    await page.getByLabel('Password').fill(person.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByText('Signed in at urn:stepup:loa:1fa (pwd)').waitFor();

    await page.getByRole('button', { name: 'Send 120.00 EUR to ACME' }).click();
    // the challenge's acr_values reach Stepup, which asks only the missing factor
    await page.getByRole('heading', { name: 'Confirm it is you' }).waitFor();
    expect(new URL(page.url()).origin).toBe(stepup.issuer);
    expect(await page.getByLabel('Password').count()).toBe(0);
    await page.getByLabel('Authenticator app').fill(await totpCode(stepup, person.secret));
    const retried = page.waitForResponse((response) => response.url().startsWith(`http://127.0.0.1:${appPort}/callback`));
    await page.getByRole('button', { name: 'Continue' }).click();
    await retried;
    nextTimeStep(stepup);
    await page.getByText('Transfer: 200 {"transfer":"done","acr":"urn:stepup:loa:2fa"}').waitFor();
    await page.context().close();
  });
});
