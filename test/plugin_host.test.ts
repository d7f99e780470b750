import { type ChildProcess, execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'otplib';
import type { Browser as Chromium, Page } from 'playwright-core';
import { describeInChromium, launchChromium } from './support/chromium.ts';
import { freePort, hostRelyingParty, npmInstall, packStepup, startHost } from './support/host_app.ts';

/**
 * examples/existing-provider, a host with its own people and login page, installed with
 * Stepup from the tarball `npm pack` makes (compiled JS and .d.ts, never src/), run by Node
 * as a user would, and signed in to with Chromium and openid-client.
 */
const maybe = describeInChromium('the example host');
const root = join(import.meta.dirname, '..');
const redirectUri = 'http://127.0.0.1:2/callback';
const secret = 'example-client-secret-0123456789abcdef';
const alice = { email: 'alice@example.com', password: 'correct horse battery staple' };

let workDir: string;
let host: ChildProcess;
let issuer: string;
let chromium: Chromium;

const relyingParty = (clientId: string) => hostRelyingParty(issuer, clientId, secret, redirectUri);

async function newPage() {
  const page = await (await chromium.newContext()).newPage();
  await page.route(`${redirectUri}**`, (route) => route.fulfill({ status: 200, body: 'signed in' }));
  return page;
}

async function typePassword(page: Page) {
  await page.getByLabel('Email').fill(alice.email);
  await page.getByLabel('Password').fill(alice.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

maybe('an oidc-provider app adds Stepup from its npm package', () => {
  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'stepup-example-'));
    const tarball = packStepup(workDir);
    const app = join(workDir, 'app');
    cpSync(join(root, 'examples', 'existing-provider'), app, { recursive: true });
    await npmInstall(app, [tarball]);

    const port = await freePort();
    issuer = `http://127.0.0.1:${port}`;
    const client = (id: string, extra: object = {}) => ({ client_id: id, client_secret: secret, redirect_uris: [redirectUri], ...extra });
    host = await startHost(app, 'server.js', {
      ISSUER: issuer,
      PORT: String(port),
      STEPUP_DB: join(workDir, 'stepup.db'),
      STEPUP_KEY: randomBytes(32).toString('base64'),
      REGISTRATION: 'open',
      CLIENTS: JSON.stringify([client('required-app'), client('on-request-app', { mfa_policy: 'on-request' })]),
    });
    chromium = await launchChromium();
  }, 300_000);
  afterAll(async () => {
    await chromium?.close();
    host?.kill();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  test('the package holds compiled JavaScript, type declarations and the guide, not the TypeScript sources', () => {
    const files = execFileSync('tar', ['tzf', join(workDir, 'stepup-0.1.0.tgz')], { encoding: 'utf8' }).split('\n');
    expect(files).toContain('package/dist/index.js');
    expect(files).toContain('package/dist/index.d.ts');
    expect(files).toContain('package/views/second_factor.njk');
    // the guide the README and index.d.ts point to, and the host it walks through, come with it
    expect(files).toEqual(expect.arrayContaining(['package/docs/plugin.md', 'package/docs/security.md', 'package/examples/existing-provider/server.js']));
    expect(files.filter((file) => file.startsWith('package/src/'))).toEqual([]);
  });

  // the system Node of this machine is older than Stepup's: the package loads, and says what it needs
  const olderNode = spawnSync('/usr/bin/node', ['--version'], { encoding: 'utf8' }).stdout?.trim();
  const olderMajor = Number(olderNode?.replace(/^v/, '').split('.')[0]);
  (olderMajor && olderMajor < 24 ? test : test.skip)(`on an older Node (${olderNode || 'none at /usr/bin/node'}), createStepup names the Node it needs`, () => {
    const script = `const { createStepup } = await import('stepup');
      await createStepup({ issuer: 'http://127.0.0.1:1', people: { findById: async () => null }, store: { sqlitePath: 'x.db' }, encryptionKey: '${randomBytes(32).toString('base64')}' })
        .catch((error) => console.log(error.message));`;
    const run = spawnSync('/usr/bin/node', ['--input-type=module', '-e', script], { cwd: join(workDir, 'app'), encoding: 'utf8' });
    expect(run.stdout.trim()).toBe(`Stepup needs Node.js 24 or later; this is Node.js ${olderNode!.replace(/^v/, '')}`);
  });

  test("discovery lists Stepup's acr values beside the host's own settings", async () => {
    const discovery = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as Record<string, string[]>;
    expect(discovery.acr_values_supported).toEqual(['urn:stepup:loa:1fa', 'urn:stepup:loa:2fa', 'urn:stepup:loa:phr']);
    expect(discovery.claims_supported).toEqual(expect.arrayContaining(['acr', 'amr', 'auth_time', 'email']));
  });

  test("password at the host's page, then an authenticator app enrolled at Stepup's: the ID token says pwd, otp, mfa and 2fa", async () => {
    const page = await newPage();
    const hostPage = page.waitForResponse((response) => /\/interaction\/[^/]+$/.test(new URL(response.url()).pathname));
    const finish = await (await relyingParty('required-app'))(page);
    await page.getByRole('heading', { name: 'Example sign-in' }).waitFor();
    await typePassword(page);
    const enrolPage = page.waitForResponse((response) => new URL(response.url()).pathname.endsWith('/enrol/totp'));
    await page.getByRole('link', { name: 'Authenticator app' }).click();
    // the page that shows the TOTP secret carries Stepup's own headers in the host; the host's page its own
    const headers = await (await enrolPage).allHeaders();
    expect(headers).toMatchObject({ 'cache-control': 'no-store', 'x-frame-options': 'DENY', 'referrer-policy': 'no-referrer' });
    expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect((await (await hostPage).allHeaders())['content-security-policy']).toBeUndefined();
    // Stepup's page in the host's own layout
    await expect(page.locator('#example-header').textContent()).resolves.toBe('Example, Inc.');
    const key = (await page.locator('#totp-secret').textContent())!.trim();
    await page.getByLabel('Code shown in the app').fill(await generate({ secret: key }));
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByRole('heading', { name: 'Save your recovery codes' }).waitFor();
    const claims = await finish(() => page.getByRole('link', { name: /I have saved my codes/ }).click());
    expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
    expect(claims.acr).toBe('urn:stepup:loa:2fa');
    expect(claims.sub).toBe('u-alice');
    await page.context().close();

    // an on-request client: the password alone is 1fa; asking for 2fa then shows only the second factor
    const other = await newPage();
    const onRequest = await relyingParty('on-request-app');
    const passwordOnly = await onRequest(other);
    const oneFactor = await passwordOnly(() => typePassword(other));
    expect(oneFactor.acr).toBe('urn:stepup:loa:1fa');
    expect(oneFactor.amr).toEqual(['pwd']);

    const stepUp = await onRequest(other, { acr_values: 'urn:stepup:loa:2fa' });
    await other.getByRole('heading', { name: 'Confirm it is you' }).waitFor();
    await expect(other.getByLabel('Password').count()).resolves.toBe(0);
    // the next time step (one step of drift is accepted): the enrolment's code may not be used again
    await other.getByLabel('Authenticator app').fill(await generate({ secret: key, epoch: Math.floor(Date.now() / 1000) + 30 }));
    const twoFactors = await stepUp(() => other.getByRole('button', { name: 'Continue' }).click());
    expect(twoFactors.acr).toBe('urn:stepup:loa:2fa');
    expect(twoFactors.amr).toEqual(['pwd', 'otp', 'mfa']);
    expect(twoFactors.auth_time).toBe(oneFactor.auth_time);
    await other.context().close();
  });

  describe('a client that registers itself (registration open at the host)', () => {
    const registration = { redirect_uris: [redirectUri], client_name: 'Rogue', token_endpoint_auth_method: 'client_secret_basic' };
    const register = (metadata: object) =>
      fetch(`${issuer}/reg`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(metadata) });

    test.each([{ first_party: true }, { mfa_policy: 'on-request' }, { id_token_claims: true }, { first_party: false }])(
      "cannot set Stepup's trust metadata %p: invalid_client_metadata",
      async (trust) => {
        const response = await register({ ...registration, ...trust });
        expect(response.status).toBe(400);
        const body = (await response.json()) as { error: string; error_description: string };
        expect(body.error).toBe('invalid_client_metadata');
        expect(body.error_description).toContain(Object.keys(trust)[0]);
      },
    );

    test('registers without it, and cannot add it by editing its registration', async () => {
      const created = await register(registration);
      expect(created.status).toBe(201);
      const client = (await created.json()) as { registration_client_uri: string; registration_access_token: string } & Record<string, unknown>;
      expect(client.first_party).toBeUndefined();
      const manage = { authorization: `Bearer ${client.registration_access_token}`, 'content-type': 'application/json' };
      const {
        registration_access_token: _token,
        registration_client_uri: uri,
        client_secret_expires_at: _expires,
        client_id_issued_at: _issued,
        ...current
      } = client;
      const edited = await fetch(uri, { method: 'PUT', headers: manage, body: JSON.stringify({ ...current, first_party: true }) });
      expect(edited.status).toBe(400);
      expect(((await edited.json()) as { error: string }).error).toBe('invalid_client_metadata');
      const after = (await (await fetch(uri, { headers: manage })).json()) as Record<string, unknown>;
      expect(after.first_party).toBeUndefined();
      expect(after.client_id).toBe(client.client_id);
    });
  });
});
