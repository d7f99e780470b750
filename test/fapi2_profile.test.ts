import { createHash, generateKeyPairSync, type webcrypto } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import Provider, { type Adapter } from 'oidc-provider';
import * as oidc from 'openid-client';
import { applyFapiProfile } from '../src/oidc/fapi_profile.ts';
import { stepupConfiguration } from '../src/oidc/provider_configuration.ts';
import { Browser } from './support/browser.ts';
import { runStepupCli } from './support/cli.ts';
import { TestClock } from './support/clock.ts';
import { enrolThroughSignIn } from './support/people.ts';
import { type RunningStepup, startStepup } from './support/stepup.ts';

const redirectUri = 'http://127.0.0.1:1/callback';
let stepup: RunningStepup;

// the configured code lifetime is longer than FAPI 2.0's 60 s: FAPI clients get 60, others this
const configuredCodeSeconds = 600;

beforeAll(async () => {
  stepup = await startStepup({}, { ttl: { authorizationCodeSeconds: configuredCodeSeconds } });
});
afterAll(() => stepup.stop());

type Algorithm = 'ES256' | 'RS256' | 'PS256';
const keyParams: Record<Algorithm, webcrypto.RsaHashedKeyGenParams | webcrypto.EcKeyGenParams> = {
  ES256: { name: 'ECDSA', namedCurve: 'P-256' },
  RS256: { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
  PS256: { name: 'RSA-PSS', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
};

/** A key pair for private_key_jwt: the public JWK to register, the private key for openid-client. */
async function clientKey(alg: Algorithm) {
  const kid = `${alg}-${Math.random().toString(36).slice(2)}`;
  const pair = (await crypto.subtle.generateKey(keyParams[alg], true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const jwk = { ...(await crypto.subtle.exportKey('jwk', pair.publicKey)), kty: alg === 'ES256' ? ('EC' as const) : ('RSA' as const), kid, use: 'sig', alg };
  delete jwk.key_ops;
  delete jwk.ext;
  return { jwk, privateKey: { key: pair.privateKey, kid } };
}

/** A client written straight to the client store, as no admin tool would write it: `metadata` overrides. */
async function addClient(metadata: Record<string, unknown>) {
  const clientId = `client-${Math.random().toString(36).slice(2)}`;
  await stepup.container.store.clients.create({
    clientId,
    metadata: {
      client_name: 'FAPI app',
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      first_party: true,
      ...metadata,
    },
    secretCiphertext: null,
    createdAt: stepup.clock.now(),
  });
  return clientId;
}

/** A FAPI 2.0 client registered by an admin (`fapi`), with an ES256 and an RS256 key. */
async function fapiClient() {
  const es256 = await clientKey('ES256');
  const rs256 = await clientKey('RS256');
  const { client } = await stepup.container.clientAdmin.add({
    name: 'FAPI app',
    redirectUris: [redirectUri],
    firstParty: true,
    authMethod: 'private_key_jwt',
    jwks: { keys: [es256.jwk, rs256.jwk] },
    fapi: true,
  });
  expect(client.metadata.fapi_profile).toBe('2.0');
  return { clientId: client.clientId, es256: es256.privateKey, rs256: rs256.privateKey };
}

const discover = (clientId: string, auth: oidc.ClientAuth, idTokenAlg = 'ES256') =>
  oidc.discovery(new URL(stepup.issuer), clientId, { id_token_signed_response_alg: idTokenAlg }, auth, { execute: [oidc.allowInsecureRequests] });

async function pkce() {
  const verifier = oidc.randomPKCECodeVerifier();
  return { verifier, params: { code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' } };
}

const base64urlJson = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString()) as Record<string, unknown>;

/** The lifetime oidc-provider gave the authorization code in this callback URL, as stored. */
async function codeLifetime(callback: URL): Promise<number> {
  const record = await stepup.container.store.records.find('AuthorizationCode', callback.searchParams.get('code')!);
  const payload = record!.payload as { exp: number; iat: number };
  return payload.exp - payload.iat;
}

describe('a FAPI 2.0 client', () => {
  test('signs a person in by PAR, PKCE, private_key_jwt and DPoP, and gets a DPoP-bound access token', async () => {
    const client = await fapiClient();
    const config = await discover(client.clientId, oidc.PrivateKeyJwt(client.es256));
    const dpopKeys = await oidc.randomDPoPKeyPair('ES256');
    const dpop = oidc.getDPoPHandle(config, dpopKeys);
    const { verifier, params } = await pkce();
    const state = oidc.randomState();
    const url = await oidc.buildAuthorizationUrlWithPAR(config, { redirect_uri: redirectUri, scope: 'openid email', state, ...params }, { DPoP: dpop });
    expect(url.searchParams.get('request_uri')).toMatch(/^urn:ietf:params:oauth:request_uri:/);

    const browser = new Browser(stepup.issuer);
    await enrolThroughSignIn(stepup, browser, url.href);
    const callback = browser.callbackUrl;
    // RFC 9207: the authorization response names the issuer
    expect(callback.searchParams.get('iss')).toBe(stepup.issuer);
    expect(await codeLifetime(callback)).toBe(60);

    const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state }, undefined, { DPoP: dpop });
    expect(tokens.token_type).toBe('dpop');
    expect(base64urlJson(tokens.id_token!.split('.')[0]!).alg).toBe('ES256');
    expect(tokens.claims()!.acr).toBe('urn:stepup:loa:2fa');

    // the token is bound to the DPoP key: introspection says so, with the key's thumbprint
    const { crv, kty, x, y } = await crypto.subtle.exportKey('jwk', dpopKeys.publicKey);
    // RFC 7638: the SHA-256 of the key's required members, in this order
    const thumbprint = createHash('sha256').update(JSON.stringify({ crv, kty, x, y })).digest('base64url');
    const introspected = await oidc.tokenIntrospection(config, tokens.access_token);
    expect(introspected).toMatchObject({ active: true, token_type: 'DPoP', cnf: { jkt: thumbprint } });

    // with a proof of the key, userinfo answers; as a plain Bearer token it is refused
    const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub, { DPoP: dpop });
    expect(userinfo.email).toMatch(/@example\.com$/);
    const asBearer = await fetch(`${stepup.issuer}/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(asBearer.status).toBe(401);
    expect(asBearer.headers.get('www-authenticate')).toMatch(/^DPoP /);
    // and with a proof of another key
    const otherDpop = oidc.getDPoPHandle(config, await oidc.randomDPoPKeyPair('ES256'));
    await expect(oidc.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub, { DPoP: otherDpop })).rejects.toBeTruthy();
  });

  test('is refused at the authorization endpoint without PAR', async () => {
    const client = await fapiClient();
    const config = await discover(client.clientId, oidc.PrivateKeyJwt(client.es256));
    const { params } = await pkce();
    const browser = new Browser(stepup.issuer);
    await browser.open(oidc.buildAuthorizationUrl(config, { redirect_uri: redirectUri, scope: 'openid', state: 'x', ...params }).href);
    const refusal = browser.page.url.startsWith(redirectUri) ? browser.callbackUrl.searchParams.get('error_description') : browser.page.html;
    expect(refusal).toContain('Pushed Authorization Request must be used');
    expect(browser.page.html).not.toContain('name="password"');
  });

  test('is refused without PKCE', async () => {
    const client = await fapiClient();
    const config = await discover(client.clientId, oidc.PrivateKeyJwt(client.es256));
    await expect(oidc.buildAuthorizationUrlWithPAR(config, { redirect_uri: redirectUri, scope: 'openid', state: 'x' })).rejects.toMatchObject({
      error: 'invalid_request',
      error_description: expect.stringContaining('PKCE'),
    });
  });

  test('is refused with client_secret_basic, and with a client assertion signed RS256 or for another audience', async () => {
    const client = await fapiClient();
    const { params } = await pkce();
    const push = (auth: oidc.ClientAuth) =>
      discover(client.clientId, auth).then((config) => oidc.buildAuthorizationUrlWithPAR(config, { redirect_uri: redirectUri, scope: 'openid', ...params }));

    await expect(push(oidc.ClientSecretBasic('any-secret-at-all'))).rejects.toMatchObject({
      status: 401,
      cause: [expect.objectContaining({ parameters: expect.objectContaining({ error: 'invalid_client' }) })],
    });
    await expect(push(oidc.PrivateKeyJwt(client.rs256))).rejects.toMatchObject({
      error: 'invalid_client',
      error_description: expect.stringContaining('a FAPI 2.0 client signs its client_assertion with PS256, ES256, EdDSA'),
    });
    const toTokenEndpoint = oidc.PrivateKeyJwt(client.es256, {
      [oidc.modifyAssertion]: (_header: unknown, payload: Record<string, unknown>) => {
        payload.aud = `${stepup.issuer}/token`;
      },
    });
    await expect(push(toTokenEndpoint)).rejects.toMatchObject({
      error: 'invalid_client',
      error_description: expect.stringContaining('audience (aud) must equal the issuer identifier url'),
    });
    // the same client, signing ES256 for the issuer: accepted
    await expect(push(oidc.PrivateKeyJwt(client.es256))).resolves.toBeInstanceOf(URL);
  });

  test('gets no tokens without a DPoP proof', async () => {
    const client = await fapiClient();
    const config = await discover(client.clientId, oidc.PrivateKeyJwt(client.es256));
    const { verifier, params } = await pkce();
    const url = await oidc.buildAuthorizationUrlWithPAR(config, { redirect_uri: redirectUri, scope: 'openid', ...params });
    const browser = new Browser(stepup.issuer);
    await enrolThroughSignIn(stepup, browser, url.href);
    await expect(oidc.authorizationCodeGrant(config, browser.callbackUrl, { pkceCodeVerifier: verifier })).rejects.toMatchObject({ error: 'invalid_grant' });
    // the proof was all that was missing: the same code, with one, gets a DPoP-bound token
    const dpop = oidc.getDPoPHandle(config, await oidc.randomDPoPKeyPair('ES256'));
    const tokens = await oidc.authorizationCodeGrant(config, browser.callbackUrl, { pkceCodeVerifier: verifier }, undefined, { DPoP: dpop });
    expect(tokens.token_type).toBe('dpop');
  });

  test.each([
    [{ fapi_profile: '1.0', token_endpoint_auth_method: 'private_key_jwt' }, 'fapi_profile must be "2.0"'],
    [{ fapi_profile: '2.0', token_endpoint_auth_method: 'client_secret_basic' }, 'needs token_endpoint_auth_method private_key_jwt'],
    [{ fapi_profile: '2.0', token_endpoint_auth_method: 'none' }, 'needs token_endpoint_auth_method private_key_jwt'],
  ])('a stored client with %p is refused whole, never served without the profile', async (metadata, reason) => {
    const { jwk, privateKey } = await clientKey('ES256');
    const clientId = await addClient({ ...metadata, jwks: { keys: [jwk] } });
    const config = await discover(clientId, oidc.PrivateKeyJwt(privateKey));
    const { params } = await pkce();
    // oidc-provider answers a stored client it cannot validate with a server error, and the log says why
    await expect(oidc.buildAuthorizationUrlWithPAR(config, { redirect_uri: redirectUri, scope: 'openid', ...params })).rejects.toMatchObject({
      cause: expect.objectContaining({ status: 500 }),
    });
    const browser = new Browser(stepup.issuer);
    await browser.open(oidc.buildAuthorizationUrl(config, { redirect_uri: redirectUri, scope: 'openid', ...params }).href);
    expect(browser.page.status).toBeGreaterThanOrEqual(400);
    expect(browser.page.html).not.toContain('name="password"');
    expect(() => applyFapiProfile(metadata.fapi_profile, { ...metadata })).toThrow(reason);
  });
});

test('other clients keep RS256 ID tokens, the configured code lifetime, Bearer tokens and the front-channel request', async () => {
  const { jwk, privateKey } = await clientKey('ES256');
  const clientId = await addClient({ token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [jwk] } });
  const config = await discover(clientId, oidc.PrivateKeyJwt(privateKey), 'RS256');
  const { verifier, params } = await pkce();
  const browser = new Browser(stepup.issuer);
  await enrolThroughSignIn(stepup, browser, oidc.buildAuthorizationUrl(config, { redirect_uri: redirectUri, scope: 'openid', ...params }).href);
  expect(await codeLifetime(browser.callbackUrl)).toBe(configuredCodeSeconds);
  const tokens = await oidc.authorizationCodeGrant(config, browser.callbackUrl, { pkceCodeVerifier: verifier });
  expect(tokens.token_type).toBe('bearer');
  expect(base64urlJson(tokens.id_token!.split('.')[0]!).alg).toBe('RS256');
});

describe('admins register a FAPI 2.0 client', () => {
  test('with the CLI: client add --fapi, shown as fapi; client update --no-fapi releases it', async () => {
    const { jwk } = await clientKey('ES256');
    const jwksFile = join(stepup.dataDir, 'fapi-jwks.json');
    writeFileSync(jwksFile, JSON.stringify({ keys: [jwk] }));
    const env = { DATA_DIR: stepup.dataDir, ...(stepup.container.config.mongodbUri ? { MONGODB_URI: stepup.container.config.mongodbUri } : {}) };
    const base = ['client', 'add', '--name', 'FAPI', '--redirect-uri', redirectUri, '--fapi'];
    const added = runStepupCli(env, [...base, '--auth-method', 'private_key_jwt', '--jwks', jwksFile, '--json']);
    expect(added.code).toBe(0);
    const client = JSON.parse(added.stdout) as { client_id: string; fapi: boolean };
    expect(client.fapi).toBe(true);
    expect((await stepup.container.store.clients.find(client.client_id))!.metadata.fapi_profile).toBe('2.0');

    const released = runStepupCli(env, ['client', 'update', client.client_id, '--no-fapi', '--json']);
    expect(JSON.parse(released.stdout)).toMatchObject({ fapi: false });
    expect(JSON.parse(runStepupCli(env, ['client', 'get', client.client_id, '--json']).stdout)).toMatchObject({ fapi: false });

    // with a secret: refused, saying why
    const withSecret = runStepupCli(env, [...base, '--json']);
    expect(withSecret.code).not.toBe(0);
    expect(withSecret.stderr).toContain('a FAPI 2.0 client authenticates with private_key_jwt');
  });

  test('the admin service refuses fapi for a client that does not use private_key_jwt, at registration and on update', async () => {
    const admin = stepup.container.clientAdmin;
    await expect(admin.add({ name: 'Secret app', redirectUris: [redirectUri], fapi: true })).rejects.toThrow(
      'a FAPI 2.0 client authenticates with private_key_jwt',
    );
    await expect(admin.add({ name: 'Public app', redirectUris: [redirectUri], public: true, fapi: true })).rejects.toThrow('private_key_jwt');
    const { client } = await admin.add({ name: 'Secret app', redirectUris: [redirectUri] });
    await expect(admin.update(client.clientId, { fapi: true })).rejects.toThrow('invalid client: fapi: a FAPI 2.0 client authenticates with private_key_jwt');
    expect((await admin.get(client.clientId)).metadata).not.toHaveProperty('fapi_profile');
  });
});

describe('dynamic registration (a host that opens it): a client cannot give itself the profile, nor drop it (S30)', () => {
  let host: Server;
  let provider: Provider;
  // the store behind the host's dynamic clients, as the host's administrator reaches it
  const clients = () => (provider.Client as unknown as { adapter: Adapter }).adapter;
  let issuer: string;

  beforeAll(async () => {
    host = createServer();
    await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
    issuer = `http://127.0.0.1:${(host.address() as AddressInfo).port}`;
    const features = { registration: { enabled: true }, registrationManagement: { enabled: true } };
    // FAPI 2.0 ID tokens are signed ES256 (or PS256, EdDSA): the host publishes such a key, as Stepup does
    const signingKey = (alg: string, pair: ReturnType<typeof generateKeyPairSync>) => ({ ...pair.privateKey.export({ format: 'jwk' }), alg, use: 'sig' });
    const jwks = {
      keys: [signingKey('RS256', generateKeyPairSync('rsa', { modulusLength: 2048 })), signingKey('ES256', generateKeyPairSync('ec', { namedCurve: 'P-256' }))],
    };
    provider = new Provider(issuer, stepupConfiguration({ features, jwks }, { basePath: '/stepup', clock: new TestClock(), interactionSeconds: 600 }));
    host.on('request', provider.callback());
  });
  afterAll(() => new Promise((resolve) => host.close(resolve)));

  const send = async (method: string, url: string, body?: object, token?: string) => {
    const response = await fetch(url, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body && JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  test("registering with fapi_profile is refused; an edit keeps the profile and the mfa_policy the host's administrator set", async () => {
    const { jwk } = await clientKey('ES256');
    const registration = { redirect_uris: [redirectUri], token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [jwk] } };
    expect(await send('POST', `${issuer}/reg`, { ...registration, fapi_profile: '2.0' })).toMatchObject({
      status: 400,
      body: { error: 'invalid_client_metadata', error_description: expect.stringContaining('fapi_profile') },
    });

    const created = await send('POST', `${issuer}/reg`, registration);
    expect(created.status).toBe(201);
    const { registration_client_uri: uri, client_id: clientId } = created.body as Record<string, string>;
    // each edit answers with the next registration access token
    let token = created.body.registration_access_token as string;
    const edit = async (body: object) => {
      const answer = await send('PUT', uri!, body, token);
      if (answer.status === 200) token = answer.body.registration_access_token as string;
      return answer;
    };
    // the host's administrator puts the client under the profile, and asks a passkey every sign-in
    const stored = (await clients().find(clientId!))!;
    await clients().upsert(clientId!, { ...stored, fapi_profile: '2.0', mfa_policy: 'phishing-resistant' });
    const current = await send('GET', uri!, undefined, token);
    const administered = { fapi_profile: '2.0', mfa_policy: 'phishing-resistant', require_pushed_authorization_requests: true, dpop_bound_access_tokens: true };
    expect(current.body).toMatchObject(administered);

    const { registration_access_token: _t, registration_client_uri: _u, client_secret_expires_at: _e, client_id_issued_at: _i, ...metadata } = current.body;
    const { fapi_profile: _profile, mfa_policy: _policy, ...withoutThem } = metadata;
    // sent back as it was, or without them: they stay
    expect(await edit(metadata)).toMatchObject({ status: 200, body: administered });
    expect(await edit({ ...withoutThem, require_pushed_authorization_requests: false, dpop_bound_access_tokens: false })).toMatchObject({
      status: 200,
      body: administered,
    });
    // set to anything else: refused (null, by RFC 7592, is the same as leaving it out)
    expect(await edit({ ...metadata, fapi_profile: '1.0 Final' })).toMatchObject({ status: 400, body: { error: 'invalid_client_metadata' } });
    expect(await edit({ ...metadata, mfa_policy: 'required' })).toMatchObject({ status: 400, body: { error: 'invalid_client_metadata' } });
    expect(await edit({ ...metadata, fapi_profile: null, mfa_policy: null })).toMatchObject({ status: 200, body: administered });
    expect(await clients().find(clientId!)).toMatchObject({ fapi_profile: '2.0', mfa_policy: 'phishing-resistant' });
  });
});
