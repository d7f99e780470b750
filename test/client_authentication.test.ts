import type { webcrypto } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import * as oidc from 'openid-client';
import { Browser } from './support/browser.ts';
import { runStepupCli } from './support/cli.ts';
import { addClient } from './support/clients.ts';
import { enrolThroughSignIn } from './support/people.ts';
import { type RunningStepup, startStepup } from './support/stepup.ts';

const TOKEN = 'admin-token-for-tests-0123456789abcdef';
const redirectUri = 'http://127.0.0.1:1/callback';
let stepup: RunningStepup;

beforeAll(async () => {
  stepup = await startStepup({ ADMIN_TOKEN: TOKEN });
});
afterAll(() => stepup.stop());

async function api(method: string, path: string, body?: unknown) {
  const response = await fetch(`${stepup.issuer}/admin/api/v1${path}`, {
    method,
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** A key pair for private_key_jwt: the public JWK to register, the private key for openid-client. */
async function clientKeys(kid: string) {
  const pair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const jwk = { ...(await crypto.subtle.exportKey('jwk', pair.publicKey)), kid, use: 'sig', alg: 'ES256' };
  delete jwk.key_ops;
  delete jwk.ext;
  return { jwks: { keys: [jwk] }, privateKey: { key: pair.privateKey, kid } };
}

/** Signs a person in through `config` (optionally by PAR) and exchanges the code. */
async function signInWith(config: oidc.Configuration, par = false) {
  const verifier = oidc.randomPKCECodeVerifier();
  const params = { redirect_uri: redirectUri, scope: 'openid', code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' };
  const url = par ? await oidc.buildAuthorizationUrlWithPAR(config, params) : oidc.buildAuthorizationUrl(config, params);
  const browser = new Browser(stepup.issuer);
  await enrolThroughSignIn(stepup, browser, url.href);
  return oidc.authorizationCodeGrant(config, browser.callbackUrl, { pkceCodeVerifier: verifier });
}

const discover = (clientId: string, auth: oidc.ClientAuth) =>
  oidc.discovery(new URL(stepup.issuer), clientId, undefined, auth, { execute: [oidc.allowInsecureRequests] });

test('discovery lists the client authentication methods a client can be registered with, and PAR where it is served', async () => {
  const metadata = (await (await fetch(`${stepup.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
  expect(metadata.token_endpoint_auth_methods_supported).toEqual(['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none']);
  expect(metadata.token_endpoint_auth_signing_alg_values_supported).not.toContain('HS256');
  expect(metadata.pushed_authorization_request_endpoint).toBe(`${stepup.issuer}/request`);
});

test('a pushed authorization request (PAR) at the advertised endpoint signs in', async () => {
  const client = await addClient(stepup.container, { name: 'PAR app', redirectUris: [redirectUri], firstParty: true });
  const tokens = await signInWith(await discover(client.client_id, oidc.ClientSecretBasic(client.client_secret!)), true);
  expect(tokens.claims()!.acr).toBe('urn:stepup:loa:2fa');
});

test('client_secret_post: registered through the admin API, it gets tokens with the secret in the body', async () => {
  const created = await api('POST', '/clients', { name: 'Post app', redirectUris: [redirectUri], firstParty: true, authMethod: 'client_secret_post' });
  expect(created).toMatchObject({ status: 201, body: { auth_method: 'client_secret_post', client_secret: expect.any(String) } });
  const tokens = await signInWith(await discover(created.body.client_id as string, oidc.ClientSecretPost(created.body.client_secret as string)));
  expect(tokens.access_token).toBeTruthy();
});

test('private_key_jwt with a JWK Set registered through the CLI', async () => {
  const { jwks, privateKey } = await clientKeys('cli-key');
  const jwksFile = join(stepup.dataDir, 'client-jwks.json');
  writeFileSync(jwksFile, JSON.stringify(jwks));
  const env = { DATA_DIR: stepup.dataDir, ...(stepup.container.config.mongodbUri ? { MONGODB_URI: stepup.container.config.mongodbUri } : {}) };
  const added = runStepupCli(env, [
    'client',
    'add',
    '--name',
    'Key app',
    '--redirect-uri',
    redirectUri,
    '--first-party',
    '--auth-method',
    'private_key_jwt',
    '--jwks',
    jwksFile,
    '--json',
  ]);
  expect(added.code).toBe(0);
  const client = JSON.parse(added.stdout) as { client_id: string; client_secret?: string; auth_method: string };
  expect(client.auth_method).toBe('private_key_jwt');
  expect(client.client_secret).toBeUndefined();

  const tokens = await signInWith(await discover(client.client_id, oidc.PrivateKeyJwt(privateKey)));
  expect(tokens.claims()!.sub).toBeTruthy();

  // a key the client did not register is refused, and the answer says why
  const stranger = await clientKeys('cli-key');
  await expect(signInWith(await discover(client.client_id, oidc.PrivateKeyJwt(stranger.privateKey)))).rejects.toMatchObject({
    error: 'invalid_client',
    error_description: expect.stringMatching(/^client authentication failed: .+/),
  });
});

test('private_key_jwt with a jwks_uri registered through the admin API', async () => {
  const { jwks, privateKey } = await clientKeys('uri-key');
  const keyServer: Server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks)));
  await new Promise<void>((done) => keyServer.listen(0, '127.0.0.1', done));
  try {
    const jwksUri = `http://127.0.0.1:${(keyServer.address() as AddressInfo).port}/jwks`;
    const created = await api('POST', '/clients', { name: 'Uri app', redirectUris: [redirectUri], firstParty: true, authMethod: 'private_key_jwt', jwksUri });
    expect(created).toMatchObject({ status: 201, body: { auth_method: 'private_key_jwt', jwks_uri: jwksUri, jwks: null } });
    const tokens = await signInWith(await discover(created.body.client_id as string, oidc.PrivateKeyJwt(privateKey)));
    expect(tokens.access_token).toBeTruthy();
  } finally {
    keyServer.close();
  }
});

test('a client assertion that lives longer than five minutes is refused, and one inside that is taken (issue 27 suspicion)', async () => {
  const { jwks, privateKey } = await clientKeys('lifetime-key');
  const created = await api('POST', '/clients', { name: 'Lifetime app', redirectUris: [redirectUri], authMethod: 'private_key_jwt', jwks });
  const withExpiry = (seconds: number) =>
    discover(
      created.body.client_id as string,
      oidc.PrivateKeyJwt(privateKey, {
        [oidc.modifyAssertion]: (_header: unknown, payload: Record<string, unknown>) => {
          payload.exp = Math.floor(Date.now() / 1000) + seconds;
        },
      }),
    );
  // ten years: the client is not authenticated, and the answer says why
  await expect(oidc.refreshTokenGrant(await withExpiry(10 * 365 * 86400), 'not-a-refresh-token')).rejects.toMatchObject({
    error: 'invalid_client',
    error_description: 'client authentication failed: the client_assertion must expire within 300 seconds',
  });
  // four minutes: authenticated, so the refresh token itself is what is refused
  await expect(oidc.refreshTokenGrant(await withExpiry(240), 'not-a-refresh-token')).rejects.toMatchObject({ error: 'invalid_grant' });
});

test('registration refuses keys without private_key_jwt, private_key_jwt without keys, private keys, and a secret switch', async () => {
  const { jwks } = await clientKeys('bad');
  const base = { name: 'Bad', redirectUris: [redirectUri] };
  expect((await api('POST', '/clients', { ...base, authMethod: 'private_key_jwt' })).body).toMatchObject({
    error: 'invalid_request',
    message: expect.stringContaining('needs exactly one of jwks and jwksUri'),
  });
  expect((await api('POST', '/clients', { ...base, jwks })).status).toBe(400);
  expect((await api('POST', '/clients', { ...base, public: true, authMethod: 'client_secret_post' })).status).toBe(400);
  expect((await api('POST', '/clients', { ...base, authMethod: 'private_key_jwt', jwksUri: 'http://keys.example.com/jwks' })).status).toBe(400);
  const pair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const privateJwk = await crypto.subtle.exportKey('jwk', pair.privateKey);
  expect((await api('POST', '/clients', { ...base, authMethod: 'private_key_jwt', jwks: { keys: [privateJwk] } })).body).toMatchObject({
    message: expect.stringContaining('must be a public key'),
  });
  expect((await api('POST', '/clients', { ...base, authMethod: 'private_key_jwt', jwks: { keys: [{ kty: 'EC', x: 'nonsense' }] } })).status).toBe(400);

  const secretClient = await api('POST', '/clients', base);
  const id = secretClient.body.client_id as string;
  expect((await api('PATCH', `/clients/${id}`, { authMethod: 'private_key_jwt', jwks })).status).toBe(409);
  expect((await api('PATCH', `/clients/${id}`, { authMethod: 'client_secret_post' })).body).toMatchObject({ auth_method: 'client_secret_post' });
  expect((await api('GET', `/clients/${id}`)).body).toMatchObject({ auth_method: 'client_secret_post' });
});

test('a failed client authentication says why, in error_description and in the log, never with the secret', async () => {
  const client = await addClient(stepup.container, { name: 'Basic app', redirectUris: [redirectUri] });
  const warn = jest.spyOn(stepup.container.logger, 'warn');
  try {
    // a client registered for client_secret_basic tries client_secret_jwt, which Stepup does not offer
    const config = await discover(client.client_id, oidc.ClientSecretJwt(client.client_secret!));
    await expect(oidc.refreshTokenGrant(config, 'not-a-refresh-token')).rejects.toMatchObject({
      status: 401,
      error: 'invalid_client',
      error_description: 'client authentication failed: the client is registered for client_secret_basic, and the request authenticated otherwise',
    });

    const wrong = await fetch(`${stepup.issuer}/token/revocation`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${client.client_id}:not-the-secret`).toString('base64')}`,
      },
      body: 'token=whatever',
    });
    expect(await wrong.json()).toMatchObject({ error: 'invalid_client', error_description: 'client authentication failed: invalid secret provided' });

    const logged = JSON.stringify(warn.mock.calls);
    expect(warn.mock.calls).toEqual(
      expect.arrayContaining([
        [
          { endpoint: 'token', clientId: client.client_id, reason: expect.stringContaining('registered for client_secret_basic') },
          'client authentication failed',
        ],
        [{ endpoint: 'revocation', clientId: client.client_id, reason: 'invalid secret provided' }, 'client authentication failed'],
      ]),
    );
    expect(logged).not.toContain(client.client_secret);
  } finally {
    warn.mockRestore();
  }
});
