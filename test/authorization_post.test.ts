import { Browser } from './support/browser.ts';
import { addClient } from './support/clients.ts';
import { enrolThroughSignIn } from './support/people.ts';
import { type RunningStepup, startStepup } from './support/stepup.ts';

// The public address is https; the test reaches the app over plain http as a TLS terminator would.
const issuer = 'https://id.example.test';
const redirectUri = 'https://app.example/cb';
const proxied = { 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'id.example.test' };
let tls: RunningStepup;
let plain: RunningStepup;

beforeAll(async () => {
  [tls, plain] = await Promise.all([startStepup({ ISSUER: issuer, TRUST_PROXY: 'true' }), startStepup()]);
});
afterAll(() => Promise.all([tls.stop(), plain.stop()]));

const authorizationParams = (clientId: string) => ({
  client_id: clientId,
  redirect_uri: redirectUri,
  response_type: 'code',
  scope: 'openid',
  state: 'posted-state',
  code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
  code_challenge_method: 'S256',
});

test('on an https issuer, an authorization request by POST signs in, with a SameSite=None; Secure session cookie', async () => {
  const client = await addClient(tls.container, { name: 'Posting app', redirectUris: [redirectUri], firstParty: true });
  const browser = new Browser(issuer, { origin: tls.issuer, headers: proxied });

  // a first sign-in by POST: the login page, then the usual steps, back at the app with a code
  await browser.post(`${issuer}/auth`, authorizationParams(client.client_id));
  expect(browser.page.html).toContain('name="password"');

  await enrolThroughSignIn(tls, browser, `${issuer}/auth?${new URLSearchParams(authorizationParams(client.client_id))}`);
  const sessionCookie = browser.setCookieLines.filter((line) => line.startsWith('_session=')).at(-1);
  expect(sessionCookie).toMatch(/;\s*samesite=none/i);
  expect(sessionCookie).toMatch(/;\s*secure/i);

  // the session cookie goes along with a cross-site POST: the code comes straight back
  await browser.post(`${issuer}/auth`, authorizationParams(client.client_id));
  expect(browser.callbackUrl.origin + browser.callbackUrl.pathname).toBe(redirectUri);
  expect(browser.callbackUrl.searchParams.get('state')).toBe('posted-state');
  const code = browser.callbackUrl.searchParams.get('code');
  expect(code).toBeTruthy();

  const token = await fetch(`${tls.issuer}/token`, {
    method: 'POST',
    headers: {
      ...proxied,
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}`,
    },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: code!,
      redirect_uri: redirectUri,
      code_verifier: 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk',
    }),
  });
  expect(token.status).toBe(200);
  expect(await token.json()).toMatchObject({ id_token: expect.any(String), token_type: 'Bearer' });
});

test('SameSite=None does not weaken the forms: a login form without its CSRF token is refused', async () => {
  const client = await addClient(tls.container, { name: 'Posting app', redirectUris: [redirectUri], firstParty: true });
  const browser = new Browser(issuer, { origin: tls.issuer, headers: proxied });
  await browser.post(`${issuer}/auth`, authorizationParams(client.client_id));
  const login = browser.forms().find((form) => form.action.endsWith('/login'))!;
  await browser.post(login.action, { email: 'someone@example.com', password: 'a password of some length', csrf: 'forged' });
  expect(browser.page.status).toBe(403);
});

test('on an http issuer, POST /auth is refused with 405 and Allow: GET, and the session cookie stays SameSite=Lax', async () => {
  const client = await addClient(plain.container, { name: 'Posting app', redirectUris: [redirectUri], firstParty: true });
  const browser = new Browser(plain.issuer);
  await browser.post(`${plain.issuer}/auth`, authorizationParams(client.client_id));
  expect(browser.page.status).toBe(405);
  expect(browser.page.html).toContain('This address does not accept that kind of request');
  const answer = await fetch(`${plain.issuer}/auth`, {
    method: 'POST',
    body: new URLSearchParams(authorizationParams(client.client_id)),
    headers: { accept: 'application/json' },
  });
  expect(answer.status).toBe(405);
  expect(answer.headers.get('allow')).toBe('GET, HEAD');
  expect(await answer.json()).toMatchObject({ error: 'method_not_allowed' });

  await enrolThroughSignIn(plain, browser, `${plain.issuer}/auth?${new URLSearchParams(authorizationParams(client.client_id))}`);
  const sessionCookie = browser.setCookieLines.filter((line) => line.startsWith('_session=')).at(-1);
  expect(sessionCookie).toMatch(/;\s*samesite=lax/i);
});

test('a wrong method on any provider endpoint answers 405 with Allow', async () => {
  const expected: [string, string, string][] = [
    ['PUT', '/auth', 'GET, HEAD, POST'],
    ['DELETE', '/auth', 'GET, HEAD, POST'],
    ['GET', '/token', 'POST, OPTIONS'],
    ['PUT', '/me', 'GET, HEAD, POST, OPTIONS'],
    ['POST', '/jwks', 'GET, HEAD, OPTIONS'],
    ['GET', '/token/revocation', 'POST, OPTIONS'],
    ['POST', '/.well-known/openid-configuration', 'GET, HEAD, OPTIONS'],
  ];
  for (const [method, path, allow] of expected) {
    const answer = await fetch(`${tls.issuer}${path}`, { method, headers: { ...proxied, accept: 'application/json' } });
    expect([method, path, answer.status, answer.headers.get('allow')]).toEqual([method, path, 405, allow]);
  }
  // the right methods still reach the provider
  expect((await fetch(`${tls.issuer}/jwks`, { headers: proxied })).status).toBe(200);
  expect((await fetch(`${tls.issuer}/token`, { method: 'POST', headers: proxied })).status).toBe(400);
});
