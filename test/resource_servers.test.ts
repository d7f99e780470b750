import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { loadConfig } from '../src/config/load.ts';
import { Browser } from './support/browser.ts';
import { enrolThroughSignIn } from './support/people.ts';
import { relyingParty, type RelyingParty } from './support/relying_party.ts';
import { startStepup, type RunningStepup } from './support/stepup.ts';

const api = 'https://notes-api.example.com';
let stepup: RunningStepup;
let rp: RelyingParty;

beforeAll(async () => {
  stepup = await startStepup({}, { resourceServers: { [api]: { scopes: ['notes:read', 'notes:write'], accessTokenSeconds: 600 } } });
  rp = await relyingParty(stepup, { firstParty: true, name: 'Notes' });
});
afterAll(() => stepup.stop());

/** Signs a new person in asking for `resource`; the browser ends at the callback. */
async function authorize(resource: string, scope: string) {
  const verifier = oidc.randomPKCECodeVerifier();
  const url = oidc.buildAuthorizationUrl(rp.config, {
    redirect_uri: rp.redirectUri,
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
