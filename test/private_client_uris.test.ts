import type { webcrypto } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as oidc from 'openid-client';
import { Browser } from './support/browser.ts';
import { PASSWORD } from './support/people.ts';
import { freePort, type StepupProcess, startStepupProcess } from './support/stepup_process.ts';

// oidc-provider's protection of outgoing requests only works outside jest's sandbox: these
// tests run Stepup in a process of its own, as an operator starts it.
const TOKEN = 'admin-token-for-tests-0123456789abcdef';
const redirectUri = 'http://127.0.0.1:1/callback';

/** An application on this machine: its JWK Set for private_key_jwt, and its back-channel logout endpoint. */
class LocalApplication {
  readonly logoutTokens: string[] = [];
  jwks: object = {};
  private server: Server = createServer((req, res) => {
    if (req.method === 'GET') return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(this.jwks));
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      this.logoutTokens.push(new URLSearchParams(body).get('logout_token') ?? '');
      res.writeHead(200).end();
    });
  });

  base = '';
  async start() {
    await new Promise<void>((done) => this.server.listen(0, '127.0.0.1', done));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close() {
    this.server.closeAllConnections();
    this.server.close();
  }
}

let application: LocalApplication;
let privateKey: oidc.PrivateKey;
const dataDirs: string[] = [];
const running: StepupProcess[] = [];

beforeAll(async () => {
  const pair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const jwk = { ...(await crypto.subtle.exportKey('jwk', pair.publicKey)), kid: 'local', use: 'sig', alg: 'ES256' };
  delete jwk.key_ops;
  delete jwk.ext;
  privateKey = { key: pair.privateKey, kid: 'local' };
  application = new LocalApplication();
  application.jwks = { keys: [jwk] };
  await application.start();
});
afterAll(async () => {
  await Promise.all(running.map((p) => p.stop()));
  application.close();
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  application.logoutTokens.length = 0;
});

async function start(env: Record<string, string> = {}): Promise<StepupProcess> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'stepup-private-uris-'));
  dataDirs.push(dataDir);
  const stepup = await startStepupProcess({ PORT: String(port), ISSUER: `http://127.0.0.1:${port}`, DATA_DIR: dataDir, ADMIN_TOKEN: TOKEN, ...env });
  running.push(stepup);
  return stepup;
}

async function api(stepup: StepupProcess, method: string, path: string, body?: unknown) {
  const response = await fetch(`${stepup.url}/admin/api/v1${path}`, {
    method,
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(response.status).toBeLessThan(300);
  return (await response.json()) as Record<string, string>;
}

/**
 * The local application registered with its jwks_uri and back-channel logout URI on this
 * machine; a person signs in to it (password alone: mfa on request), and the application
 * exchanges the code authenticating with private_key_jwt. Then an admin ends their sessions.
 */
async function signInAndRevoke(stepup: StepupProcess) {
  const client = await api(stepup, 'POST', '/clients', {
    name: 'Local app',
    redirectUris: [redirectUri],
    firstParty: true,
    mfaPolicy: 'on-request',
    authMethod: 'private_key_jwt',
    jwksUri: `${application.base}/jwks`,
    backchannelLogoutUri: `${application.base}/backchannel`,
  });
  const user = await api(stepup, 'POST', '/users', { email: `local-${Math.random().toString(36).slice(2)}@example.com`, password: PASSWORD });

  const config = await oidc.discovery(new URL(stepup.url), client.client_id!, undefined, oidc.PrivateKeyJwt(privateKey), {
    execute: [oidc.allowInsecureRequests],
  });
  const verifier = oidc.randomPKCECodeVerifier();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: 'openid',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  });
  const browser = new Browser(stepup.url);
  await browser.open(url.href);
  await browser.submit('/login', { email: user.email!, password: PASSWORD });
  expect(browser.callbackUrl.origin).toBe('http://127.0.0.1:1');
  const exchanged = await oidc.authorizationCodeGrant(config, browser.callbackUrl, { pkceCodeVerifier: verifier }).then(
    (tokens) => ({ tokens, error: undefined }),
    (error: unknown) => ({ tokens: undefined, error: error as { error?: string; error_description?: string } }),
  );
  await api(stepup, 'POST', `/users/${user.id}/revoke-sessions`);
  return exchanged;
}

async function waitFor(condition: () => boolean) {
  for (let i = 0; i < 250 && !condition(); i += 1) await new Promise((r) => setTimeout(r, 20));
}

test('by default Stepup fetches no client URI on a loopback address: the jwks_uri fails client authentication, the logout token is not sent, and the log says why', async () => {
  const stepup = await start();
  const { tokens, error } = await signInAndRevoke(stepup);
  expect(tokens).toBeUndefined();
  expect(error).toMatchObject({ error: 'invalid_client', error_description: expect.stringMatching(/^client authentication failed: /) });
  await waitFor(() => stepup.output().includes('special-use IP address'));
  expect(stepup.output()).toMatch(/"reason":"fetch failed: hostname resolves to a special-use IP address".*back-channel logout not delivered/);
  expect(application.logoutTokens).toEqual([]);
});

test('allowPrivateClientUris (ALLOW_PRIVATE_CLIENT_URIS=true) lets an application on this machine authenticate with its jwks_uri and receive logout tokens', async () => {
  const stepup = await start({ ALLOW_PRIVATE_CLIENT_URIS: 'true' });
  const { tokens, error } = await signInAndRevoke(stepup);
  expect(error).toBeUndefined();
  expect(tokens?.access_token).toBeTruthy();
  await waitFor(() => application.logoutTokens.length > 0);
  expect(application.logoutTokens).toHaveLength(1);
  expect(JSON.parse(Buffer.from(application.logoutTokens[0]!.split('.')[1]!, 'base64url').toString())).toMatchObject({ sid: expect.any(String) });
});
