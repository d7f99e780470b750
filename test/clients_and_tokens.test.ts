import * as oidc from 'openid-client';
import { buildContainer } from '../src/container.ts';
import { createLogger } from '../src/logger.ts';
import { Browser } from './support/browser.ts';
import { enrolThroughSignIn } from './support/people.ts';
import { relyingParty } from './support/relying_party.ts';
import { type RunningStepup, rawStorage, startStepup } from './support/stepup.ts';

let stepup: RunningStepup;

beforeAll(async () => {
  stepup = await startStepup();
});
afterAll(() => stepup.stop());

describe('public clients', () => {
  test('sign in with PKCE and no secret', async () => {
    const rp = await relyingParty(stepup, { firstParty: true, public: true });
    const browser = new Browser(stepup.issuer);
    const authorization = await rp.authorize();
    await enrolThroughSignIn(stepup, browser, authorization.url);
    const tokens = await authorization.exchange(browser.callbackUrl);
    expect(tokens.claims()!.acr).toBe('urn:stepup:loa:2fa');
  });

  test('an authorization request without PKCE is refused', async () => {
    const rp = await relyingParty(stepup, { firstParty: true, public: true });
    const url = oidc.buildAuthorizationUrl(rp.config, { redirect_uri: rp.redirectUri, scope: 'openid', state: 'abc' });
    const browser = new Browser(stepup.issuer);
    await browser.open(url.href);
    expect(browser.callbackUrl.searchParams.get('error')).toBe('invalid_request');
    expect(browser.callbackUrl.searchParams.get('error_description')).toMatch(/PKCE/);
  });

  test('the code cannot be exchanged with a wrong verifier', async () => {
    const rp = await relyingParty(stepup, { firstParty: true, public: true });
    const browser = new Browser(stepup.issuer);
    const authorization = await rp.authorize();
    await enrolThroughSignIn(stepup, browser, authorization.url);
    await expect(
      oidc.authorizationCodeGrant(rp.config, browser.callbackUrl, { pkceCodeVerifier: oidc.randomPKCECodeVerifier(), expectedState: oidc.skipStateCheck }),
    ).rejects.toMatchObject({ error: 'invalid_grant' });
  });
});

describe('consent', () => {
  test('a third-party client shows a consent page; Allow continues', async () => {
    const rp = await relyingParty(stepup, { name: 'Partner App' });
    const browser = new Browser(stepup.issuer);
    await enrolThroughSignIn(stepup, browser, (await rp.authorize()).url);
    expect(browser.page.html).toContain('Allow Partner App?');
    expect(browser.page.html).toContain('See your email address');
    await browser.submit('/consent');
    expect(browser.callbackUrl.searchParams.get('code')).toBeTruthy();

    // consent is remembered for the same scopes: the next authorization needs no page
    const again = await rp.authorize();
    await browser.open(again.url);
    expect((await again.exchange(browser.callbackUrl)).claims()!.acr).toBe('urn:stepup:loa:2fa');
  });

  test('Deny returns access_denied to the client', async () => {
    const rp = await relyingParty(stepup, { name: 'Partner App' });
    const browser = new Browser(stepup.issuer);
    await enrolThroughSignIn(stepup, browser, (await rp.authorize()).url);
    await browser.submit('/abort');
    expect(browser.callbackUrl.searchParams.get('error')).toBe('access_denied');
  });

  test('a first-party client skips the consent page', async () => {
    const rp = await relyingParty(stepup, { firstParty: true });
    const browser = new Browser(stepup.issuer);
    const authorization = await rp.authorize();
    await enrolThroughSignIn(stepup, browser, authorization.url);
    expect(browser.visited.some((url) => url.includes('/consent'))).toBe(false);
    expect(browser.callbackUrl.searchParams.get('code')).toBeTruthy();
  });
});

describe('refresh tokens', () => {
  test('offline_access gives a refresh token that keeps acr and amr', async () => {
    const rp = await relyingParty(stepup, { firstParty: true });
    const browser = new Browser(stepup.issuer);
    const authorization = await rp.authorize({ scope: 'openid offline_access', prompt: 'consent' });
    await enrolThroughSignIn(stepup, browser, authorization.url);
    const tokens = await authorization.exchange(browser.callbackUrl);
    expect(tokens.refresh_token).toBeTruthy();

    const refreshed = await oidc.refreshTokenGrant(rp.config, tokens.refresh_token!);
    expect(refreshed.access_token).not.toBe(tokens.access_token);
    expect(refreshed.claims()!.amr).toEqual(['pwd', 'otp', 'mfa']);
    expect(refreshed.claims()!.acr).toBe('urn:stepup:loa:2fa');
  });

  test('without offline_access there is no refresh token', async () => {
    const rp = await relyingParty(stepup, { firstParty: true });
    const browser = new Browser(stepup.issuer);
    const authorization = await rp.authorize();
    await enrolThroughSignIn(stepup, browser, authorization.url);
    expect((await authorization.exchange(browser.callbackUrl)).refresh_token).toBeUndefined();
  });
});

test('an authorization code is single use', async () => {
  const rp = await relyingParty(stepup, { firstParty: true });
  const browser = new Browser(stepup.issuer);
  const authorization = await rp.authorize();
  await enrolThroughSignIn(stepup, browser, authorization.url);
  await authorization.exchange(browser.callbackUrl);
  await expect(authorization.exchange(browser.callbackUrl)).rejects.toMatchObject({ error: 'invalid_grant' });
});

test('a copy of the database holds no private key, cookie key, token, code or session id', async () => {
  const rp = await relyingParty(stepup, { firstParty: true });
  const browser = new Browser(stepup.issuer);
  const authorization = await rp.authorize({ scope: 'openid offline_access', prompt: 'consent' });
  await enrolThroughSignIn(stepup, browser, authorization.url);
  const code = browser.callbackUrl.searchParams.get('code')!;
  const tokens = await authorization.exchange(browser.callbackUrl);
  const refreshed = await oidc.refreshTokenGrant(rp.config, tokens.refresh_token!);
  // and a sign-in still waiting at the password, its id in the URL
  const waiting = new Browser(stepup.issuer);
  await waiting.open((await rp.authorize()).url);
  const interactionId = /\/interaction\/([^/]+)/.exec(waiting.page.url)![1]!;

  const ring = await stepup.container.keyRing.load(stepup.clock.now());
  const privateMembers = ['d', 'p', 'q', 'dp', 'dq', 'qi'] as const;
  const keySecrets: [string, string][] = [
    ...ring.signing.flatMap((k) => privateMembers.filter((m) => k.jwk[m]).map((m): [string, string] => [`${k.kid}.${m}`, k.jwk[m] as string])),
    ...ring.cookie.map((k): [string, string] => [`cookie key ${k.kid}`, k.secret]),
  ];
  const cookies = Object.fromEntries(
    browser
      .cookieHeader()
      .split('; ')
      .map((c) => [c.slice(0, c.indexOf('=')), c.slice(c.indexOf('=') + 1)]),
  );
  expect(Object.keys(cookies)).toContain('_session');
  // RSA's six private members, EC's d, the cookie key
  expect(keySecrets).toHaveLength(8);

  const raw = await rawStorage(stepup);
  const bearers = {
    code,
    accessToken: tokens.access_token,
    refreshToken: tokens.refresh_token!,
    newAccessToken: refreshed.access_token,
    newRefreshToken: refreshed.refresh_token!,
    interactionId,
    ...cookies,
  };
  expect(
    Object.entries(bearers)
      .filter(([, value]) => raw.includes(value))
      .map(([name]) => name),
  ).toEqual([]);
  expect(keySecrets.filter(([, secret]) => raw.includes(secret)).map(([name]) => name)).toEqual([]);
  // and the raw store does hold the records: the test looks where they are
  expect(raw).toMatch(/RefreshToken/);
});

describe('client changes reach the running server', () => {
  /** the authorization endpoint's answer to a request from the client: 303 to a sign-in, 400 for an unknown client */
  const authorizeStatus = async (url: string) => (await fetch(url, { redirect: 'manual' })).status;

  test('a client removed here is refused at once', async () => {
    const rp = await relyingParty(stepup);
    expect(await authorizeStatus((await rp.authorize()).url)).toBe(303);
    const url = (await rp.authorize()).url;
    await stepup.container.clientAdmin.remove(rp.clientId);
    expect(await authorizeStatus(url)).toBe(400);
  });

  test('a client removed by another process (the CLI) is refused once clientCacheSeconds (5) have passed', async () => {
    const rp = await relyingParty(stepup);
    expect(await authorizeStatus((await rp.authorize()).url)).toBe(303);
    const { config } = stepup.container;
    const cli = await buildContainer(config, createLogger(config), stepup.clock);
    try {
      await cli.clientAdmin.remove(rp.clientId);
    } finally {
      await cli.close();
    }
    stepup.clock.advance(5_001);
    expect(await authorizeStatus((await rp.authorize()).url)).toBe(400);
  });
});

test('discovery advertises the three acr values, S256 and the claims', async () => {
  const metadata = (await (await fetch(`${stepup.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
  expect(metadata.acr_values_supported).toEqual(['urn:stepup:loa:1fa', 'urn:stepup:loa:2fa', 'urn:stepup:loa:phr']);
  expect(metadata.code_challenge_methods_supported).toEqual(['S256']);
  expect(metadata.claims_supported).toEqual(expect.arrayContaining(['acr', 'amr', 'auth_time']));
});

test('/healthz answers 200 with JSON when storage is ready', async () => {
  const response = await fetch(`${stepup.issuer}/healthz`);
  expect(response.status).toBe(200);
  expect(await response.json()).toEqual({ status: 'ok', storage: stepup.container.store.kind });
});
