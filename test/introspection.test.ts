import * as oidc from 'openid-client';
import { Browser } from './support/browser.ts';
import { enrolThroughSignIn } from './support/people.ts';
import { relyingParty, type RelyingParty } from './support/relying_party.ts';
import { startStepup, type RunningStepup } from './support/stepup.ts';

let stepup: RunningStepup;
let app: RelyingParty;
let api: oidc.Configuration;

beforeAll(async () => {
  stepup = await startStepup();
  app = await relyingParty(stepup, { firstParty: true, name: 'Web app' });
  // the resource server registers as a confidential client of its own
  const resourceServer = await stepup.container.clientAdmin.add({ name: 'Orders API', redirectUris: ['https://api.example/unused'] });
  api = await oidc.discovery(new URL(stepup.issuer), resourceServer.client_id, resourceServer.client_secret, undefined, {
    execute: [oidc.allowInsecureRequests],
  });
});
afterAll(() => stepup.stop());

test('discovery advertises the introspection endpoint', async () => {
  const metadata = (await (await fetch(`${stepup.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
  expect(metadata.introspection_endpoint).toBe(`${stepup.issuer}/token/introspection`);
});

test('a resource server introspects an access token and learns how the person signed in', async () => {
  const authorization = await app.authorize({ scope: 'openid email offline_access', prompt: 'consent' });
  const browser = new Browser(stepup.issuer);
  await enrolThroughSignIn(stepup, browser, authorization.url);
  const tokens = await authorization.exchange(browser.callbackUrl);
  const idToken = tokens.claims()!;

  const answer = await oidc.tokenIntrospection(api, tokens.access_token);
  expect(answer).toMatchObject({
    active: true,
    client_id: app.clientId,
    sub: idToken.sub,
    scope: expect.stringContaining('openid'),
    token_type: 'Bearer',
    acr: 'urn:stepup:loa:2fa',
    amr: idToken.amr,
    auth_time: idToken.auth_time,
  });
  expect(answer.amr).toEqual(expect.arrayContaining(['pwd', 'otp', 'mfa']));

  // an access token from a refresh keeps what the sign-in was
  const refreshed = await oidc.refreshTokenGrant(app.config, tokens.refresh_token!);
  expect(await oidc.tokenIntrospection(api, refreshed.access_token)).toMatchObject({ active: true, acr: 'urn:stepup:loa:2fa', auth_time: idToken.auth_time });

  // revoked or unknown tokens are inactive, and say nothing else
  await oidc.tokenRevocation(app.config, refreshed.access_token);
  expect(await oidc.tokenIntrospection(api, refreshed.access_token)).toEqual({ active: false });
  expect(await oidc.tokenIntrospection(api, 'not-a-token')).toEqual({ active: false });
});

test('introspection needs client authentication, and a failure says why', async () => {
  const anonymous = await fetch(`${stepup.issuer}/token/introspection`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'token=abc',
  });
  expect(anonymous.status).toBe(400);
  const wrong = await fetch(`${stepup.issuer}/token/introspection`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${api.clientMetadata().client_id}:wrong`).toString('base64')}`,
    },
    body: 'token=abc',
  });
  expect(wrong.status).toBe(401);
  expect(await wrong.json()).toMatchObject({ error: 'invalid_client', error_description: 'client authentication failed: invalid secret provided' });
  expect((await fetch(`${stepup.issuer}/token/introspection`)).status).toBe(405);
});
