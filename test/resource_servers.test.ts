import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import type { Browser as Chromium } from 'playwright-core';
import { loadConfig } from '../src/config/load.ts';
import { Browser } from './support/browser.ts';
import { describeInChromium, launchChromium } from './support/chromium.ts';
import { getClient } from './support/clients.ts';
import { adminInConsole, createPerson, enrolThroughSignIn } from './support/people.ts';
import { type RelyingParty, relyingParty } from './support/relying_party.ts';
import { type RunningStepup, startStepup } from './support/stepup.ts';

const api = 'https://notes-api.example.com';
const payroll = 'https://payroll.example';
const ADMIN_TOKEN = 'admin-token-for-tests-0123456789abcdef';
let stepup: RunningStepup;
let rp: RelyingParty;

beforeAll(async () => {
  stepup = await startStepup(
    { ADMIN_TOKEN },
    {
      resourceServers: {
        [api]: { scopes: ['notes:read', 'notes:write'], accessTokenSeconds: 600 },
        [payroll]: { name: 'Payroll', scopes: ['payroll:read', 'payroll:admin'] },
      },
    },
  );
  rp = await relyingParty(stepup, { firstParty: true, name: 'Notes', allowedResources: { [api]: ['notes:read', 'notes:write'] } });
});
afterAll(() => stepup.stop());

/** Signs a new person in asking for `resource`; the browser ends at the callback. */
async function authorize(resource: string, scope: string, app = rp) {
  const verifier = oidc.randomPKCECodeVerifier();
  const url = oidc.buildAuthorizationUrl(app.config, {
    redirect_uri: app.redirectUri,
    scope,
    resource,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  });
  const browser = new Browser(stepup.issuer);
  return { browser, verifier, url: url.href };
}

test('an application that names a registered API in resource gets a JWT access token for it (RFC 8707, RFC 9068), which the API checks with /jwks', async () => {
  const { browser, verifier, url } = await authorize(api, 'openid notes:read');
  await enrolThroughSignIn(stepup, browser, url);
  const tokens = await oidc.authorizationCodeGrant(rp.config, browser.callbackUrl, { pkceCodeVerifier: verifier }, { resource: api });

  const { payload, protectedHeader } = await jwtVerify(tokens.access_token, createRemoteJWKSet(new URL(`${stepup.issuer}/jwks`)), {
    issuer: stepup.issuer,
    audience: api,
    typ: 'at+jwt',
  });
  expect(protectedHeader.alg).toBe('RS256');
  expect(payload).toMatchObject({ client_id: rp.clientId, scope: 'notes:read', acr: 'urn:stepup:loa:2fa', amr: expect.arrayContaining(['otp']) });
  expect(payload.sub).toBe(tokens.claims()!.sub);
  expect(payload.exp! - payload.iat!).toBe(600);
  expect(typeof payload.auth_time).toBe('number');
});

test('a resource that is not registered is refused with invalid_target, and signs nobody in', async () => {
  const { browser, url } = await authorize('https://elsewhere.example.com', 'openid');
  await browser.open(url);
  expect(browser.callbackUrl.searchParams.get('error')).toBe('invalid_target');
  expect(browser.callbackUrl.searchParams.get('code')).toBeNull();
});

test('without resource the application gets the usual opaque access token, which userinfo takes', async () => {
  const authorization = await rp.authorize();
  const browser = new Browser(stepup.issuer);
  await enrolThroughSignIn(stepup, browser, authorization.url);
  const tokens = await authorization.exchange(browser.callbackUrl);
  expect(tokens.access_token.split('.')).toHaveLength(1);
  expect(await oidc.fetchUserInfo(rp.config, tokens.access_token, tokens.claims()!.sub)).toMatchObject({ sub: tokens.claims()!.sub });
});

test('a resource server registered with a URL that is not one, or with a bad scope, stops the start with a clear error', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stepup-resources-'));
  try {
    for (const [servers, message] of [
      [{ 'notes-api': { scopes: [] } }, 'resourceServers'],
      [{ [api]: { scopes: ['two words'] } }, 'scope token'],
    ] as const) {
      writeFileSync(join(dir, 'config.json'), JSON.stringify({ resourceServers: servers }));
      expect(() => loadConfig({ STEPUP_CONFIG: join(dir, 'config.json') })).toThrow(message);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('an application asks only for the APIs and scopes its admins allowed it (issue 27 finding 3)', () => {
  test('an application not allowed a registered API is refused with invalid_target; one with no list may ask for none', async () => {
    const notesOnly = await relyingParty(stepup, { firstParty: true, name: 'Notes only', allowedResources: { [api]: ['notes:read'] } });
    const unlisted = await relyingParty(stepup, { firstParty: true, name: 'Registered before the list' });
    for (const [app, resource] of [
      [notesOnly, payroll],
      [unlisted, api],
    ] as const) {
      const { browser, url } = await authorize(resource, 'openid', app);
      await browser.open(url);
      expect([resource, browser.callbackUrl.searchParams.get('error')]).toEqual([resource, 'invalid_target']);
      expect(browser.callbackUrl.searchParams.get('code')).toBeNull();
    }
  });

  test('an application allowed payroll:read only gets no payroll:admin in its token, even when it asks for it', async () => {
    const viewer = await relyingParty(stepup, { firstParty: true, name: 'Payroll Viewer', allowedResources: { [payroll]: ['payroll:read'] } });
    const { browser, verifier, url } = await authorize(payroll, 'openid payroll:read payroll:admin', viewer);
    await enrolThroughSignIn(stepup, browser, url);
    const tokens = await oidc.authorizationCodeGrant(viewer.config, browser.callbackUrl, { pkceCodeVerifier: verifier }, { resource: payroll });
    const { payload } = await jwtVerify(tokens.access_token, createRemoteJWKSet(new URL(`${stepup.issuer}/jwks`)), {
      issuer: stepup.issuer,
      audience: payroll,
    });
    expect(payload.scope).toBe('payroll:read');
    // payroll registers no accessTokenSeconds: a JWT, which nothing can recall, lives 5 minutes
    expect(payload.exp! - payload.iat!).toBe(300);
  });

  test('an application that names an allowed API but none of its scopes is refused: no token for an API the consent page never showed', async () => {
    const viewer = await relyingParty(stepup, { name: 'Scopeless asker', allowedResources: { [payroll]: ['payroll:read'] } });
    const { browser, url } = await authorize(payroll, 'openid', viewer);
    await browser.open(url);
    expect(browser.callbackUrl.searchParams.get('error')).toBe('invalid_target');
    expect(browser.callbackUrl.searchParams.get('error_description')).toBe(`ask for at least one of the scopes of ${payroll}: payroll:read`);
    expect(browser.callbackUrl.searchParams.get('code')).toBeNull();
  });

  test('admins set the APIs a client may ask for through the admin API: registered APIs with their own scopes only', async () => {
    const call = async (method: string, path: string, body: object) => {
      const response = await fetch(`${stepup.issuer}/admin/api/v1${path}`, {
        method,
        headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as { client_id: string; allowed_resources: Record<string, string[]> } };
    };
    const created = await call('POST', '/clients', {
      name: 'API Payroll',
      redirectUris: ['https://api-payroll.example/cb'],
      allowedResources: { [payroll]: ['payroll:read'] },
    });
    expect(created).toMatchObject({ status: 201, body: { allowed_resources: { [payroll]: ['payroll:read'] } } });
    const path = `/clients/${created.body.client_id}`;
    for (const [allowedResources, problem] of [
      [{ 'https://elsewhere.example': [] }, 'https://elsewhere.example is not a registered resource server'],
      [{ [payroll]: ['payroll:everything'] }, `${payroll} has no scope payroll:everything`],
    ] as const) {
      const refused = await call('PATCH', path, { allowedResources });
      expect([refused.status, JSON.stringify(refused.body)]).toEqual([400, expect.stringContaining(problem)]);
    }
    expect((await getClient(stepup.container, created.body.client_id)).allowed_resources).toEqual({ [payroll]: ['payroll:read'] });
    expect((await call('PATCH', path, { allowedResources: { [payroll]: ['payroll:read', 'payroll:admin'] } })).body.allowed_resources).toEqual({
      [payroll]: ['payroll:read', 'payroll:admin'],
    });
    expect((await call('PATCH', path, { allowedResources: {} })).body.allowed_resources).toEqual({});
  });

  test('admins set the APIs a client may ask for in the console, one API a line', async () => {
    const { browser } = await adminInConsole(stepup);
    await browser.open('/admin/clients/new');
    await browser.submit('/admin/clients', {
      name: 'Console Payroll',
      redirectUris: 'https://console-payroll.example/cb',
      allowedResources: `${payroll} payroll:read\n`,
    });
    expect(browser.textOf('client-apis')).toContain(`${payroll}: payroll:read`);
    const clientId = browser.textOf('client-id')!;

    await browser.open(`/admin/clients/${clientId}/edit`);
    expect(browser.page.html).toContain(`${payroll} payroll:read</textarea>`);
    const form = { name: 'Console Payroll', redirectUris: 'https://console-payroll.example/cb' };
    await browser.submit(`/admin/clients/${clientId}`, { ...form, allowedResources: 'https://elsewhere.example' });
    expect(browser.page.html).toContain('https://elsewhere.example is not a registered resource server');
    expect((await getClient(stepup.container, clientId)).allowed_resources).toEqual({ [payroll]: ['payroll:read'] });

    await browser.submit(`/admin/clients/${clientId}`, { ...form, allowedResources: `${payroll} payroll:read payroll:admin\n${api}` });
    expect((await getClient(stepup.container, clientId)).allowed_resources).toEqual({ [payroll]: ['payroll:read', 'payroll:admin'], [api]: [] });
  });
});

describeInChromium('the consent page in Chromium')('the consent page in Chromium', () => {
  let chromium: Chromium;
  beforeAll(async () => {
    chromium = await launchChromium();
  });
  afterAll(async () => {
    await chromium?.close();
  });

  test('the consent page names each API and each scope "Allow" grants, and Allow grants exactly those', async () => {
    const partner = await relyingParty(stepup, {
      name: 'Partner Payroll',
      mfaPolicy: 'on-request',
      allowedResources: { [payroll]: ['payroll:read', 'payroll:admin'] },
    });
    const person = await createPerson(stepup);
    const { verifier, url } = await authorize(payroll, 'openid payroll:read payroll:admin', partner);
    const context = await chromium.newContext();
    try {
      const page = await context.newPage();
      // the relying party's callback is not served; stop the navigation there
      await page.route(`${partner.redirectUri}**`, (route) => route.fulfill({ status: 200, body: 'signed in' }));
      await page.goto(url);
      await page.getByLabel('Email').fill(person.email);
      await page.getByLabel('Password').fill(person.password);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.getByRole('heading', { name: 'Allow Partner Payroll?' }).waitFor();

      const apiItem = page.getByRole('listitem').filter({ hasText: 'Payroll' }).filter({ hasText: payroll });
      await expect(apiItem.count()).resolves.toBe(1);
      const scopes = await apiItem.getByRole('listitem').allInnerTexts();
      expect(scopes.sort()).toEqual(['payroll:admin', 'payroll:read']);

      const callback = page.waitForRequest((request) => request.url().startsWith(partner.redirectUri));
      await page.getByRole('button', { name: 'Allow' }).click();
      const tokens = await oidc.authorizationCodeGrant(partner.config, new URL((await callback).url()), { pkceCodeVerifier: verifier }, { resource: payroll });
      const { payload } = await jwtVerify(tokens.access_token, createRemoteJWKSet(new URL(`${stepup.issuer}/jwks`)), {
        issuer: stepup.issuer,
        audience: payroll,
      });
      expect(String(payload.scope).split(' ').sort()).toEqual(['payroll:admin', 'payroll:read']);
    } finally {
      await context.close();
    }
  });
});
