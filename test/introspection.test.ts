import * as oidc from 'openid-client';
import { Browser } from './support/browser.ts';
import { addClient } from './support/clients.ts';
import { enrolThroughSignIn } from './support/people.ts';
import { type RelyingParty, relyingParty } from './support/relying_party.ts';
import { type RunningStepup, startStepup } from './support/stepup.ts';

const orders = 'https://orders.example';
let stepup: RunningStepup;
let app: RelyingParty;
/** The Orders API's own client, registered in resourceServers to introspect its tokens. */
let api: oidc.Configuration;
/** A client of the same server with nothing to do with the application's tokens. */
let stranger: oidc.Configuration;

const confidentialClient = async (name: string) => {
  const created = await addClient(stepup.container, { name, redirectUris: [`https://${name.replaceAll(' ', '-')}.example/unused`] });
  return { id: created.client_id, secret: created.client_secret! };
};
const discover = (client: { id: string; secret: string }) =>
  oidc.discovery(new URL(stepup.issuer), client.id, client.secret, undefined, { execute: [oidc.allowInsecureRequests] });

beforeAll(async () => {
  // an API that introspects every token it is given: opaque tokens
  const resourceServers = { [orders]: { name: 'Orders', scopes: ['orders:read'], accessTokenFormat: 'opaque' } };
  stepup = await startStepup({}, { resourceServers });
  app = await relyingParty(stepup, { firstParty: true, name: 'Web app', allowedResources: { [orders]: ['orders:read'] } });
  const apiClient = await confidentialClient('Orders API');
  const strangerClient = await confidentialClient('Other app');
  // the operator names the API's client in the configuration, and deploys
  await stepup.restart({ resourceServers: { [orders]: { ...resourceServers[orders], introspectionClients: [apiClient.id] } } });
  api = await discover(apiClient);
  stranger = await discover(strangerClient);
});
afterAll(() => stepup.stop());

/** A person signs in to the application with two factors; its tokens, opaque or for `resource`. */
async function signIn(tokenParams?: Record<string, string>) {
  const authorization = await app.authorize({ scope: 'openid email offline_access orders:read', prompt: 'consent', resource: orders });
  const browser = new Browser(stepup.issuer);
  await enrolThroughSignIn(stepup, browser, authorization.url);
  return authorization.exchange(browser.callbackUrl, tokenParams);
}

test('discovery advertises the introspection endpoint', async () => {
  const metadata = (await (await fetch(`${stepup.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
  expect(metadata.introspection_endpoint).toBe(`${stepup.issuer}/token/introspection`);
});

test("an API's registered client introspects an access token issued for it and learns how the person signed in", async () => {
  const tokens = await signIn({ resource: orders });
  const idToken = tokens.claims()!;

  const answer = await oidc.tokenIntrospection(api, tokens.access_token);
  expect(answer).toMatchObject({
    active: true,
    client_id: app.clientId,
    aud: orders,
    sub: idToken.sub,
    scope: 'orders:read',
    token_type: 'Bearer',
    acr: 'urn:stepup:loa:2fa',
    amr: idToken.amr,
    auth_time: idToken.auth_time,
  });
  expect(answer.amr).toEqual(expect.arrayContaining(['pwd', 'otp', 'mfa']));

  // an access token from a refresh keeps what the sign-in was
  const refreshed = await oidc.refreshTokenGrant(app.config, tokens.refresh_token!, { resource: orders });
  expect(await oidc.tokenIntrospection(api, refreshed.access_token)).toMatchObject({ active: true, acr: 'urn:stepup:loa:2fa', auth_time: idToken.auth_time });

  // revoked or unknown tokens are inactive, and say nothing else
  await oidc.tokenRevocation(app.config, refreshed.access_token);
  expect(await oidc.tokenIntrospection(api, refreshed.access_token)).toEqual({ active: false });
  expect(await oidc.tokenIntrospection(api, 'not-a-token')).toEqual({ active: false });
});

test("another client learns nothing of an application's tokens; the API nothing of tokens not for it (issue 27 finding 4)", async () => {
  const forApi = await signIn({ resource: orders });
  const opaque = await signIn();
  expect(await oidc.tokenIntrospection(app.config, opaque.access_token)).toMatchObject({ active: true, client_id: app.clientId });

  for (const token of [forApi.access_token, forApi.refresh_token!, opaque.access_token, opaque.refresh_token!]) {
    expect(await oidc.tokenIntrospection(stranger, token)).toEqual({ active: false });
  }
  // the API's client sees its own audience's access tokens, not the application's others or its refresh tokens
  for (const token of [forApi.refresh_token!, opaque.access_token, opaque.refresh_token!]) {
    expect(await oidc.tokenIntrospection(api, token)).toEqual({ active: false });
  }
});

test("another client cannot revoke an application's token: told so, and the token stays active", async () => {
  const tokens = await signIn();
  await expect(oidc.tokenRevocation(stranger, tokens.refresh_token!)).rejects.toMatchObject({
    error: 'invalid_request',
    error_description: 'client is not authorized to revoke the presented token',
  });
  expect(await oidc.tokenIntrospection(app.config, tokens.refresh_token!)).toMatchObject({ active: true });
});

test('a refresh token introspected by its own client says it is one (token_type refresh_token), an access token Bearer', async () => {
  const tokens = await signIn();
  expect(await oidc.tokenIntrospection(app.config, tokens.refresh_token!)).toMatchObject({
    active: true,
    client_id: app.clientId,
    token_type: 'refresh_token',
  });
  expect(await oidc.tokenIntrospection(app.config, tokens.access_token)).toMatchObject({ active: true, token_type: 'Bearer' });
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
