import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as oidc from 'openid-client';
import { Browser } from './support/browser.ts';

const freePort = () =>
  new Promise<number>((done) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => done(port));
    });
  });

/** Runs the CLI; resolves with its standard output, and keeps everything it printed in `printed`. */
function run(args: string[], env: Record<string, string>, printed: string[], input?: string) {
  return new Promise<string>((done, fail) => {
    const child = spawn(process.execPath, args, { env: { ...process.env, NODE_OPTIONS: '', ...env } });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => printed.push(d.toString()));
    child.on('exit', (code) => {
      printed.push(stdout);
      if (code === 0) done(stdout);
      else fail(new Error(`exit ${code}: ${printed.join('')}`));
    });
    child.stdin.end(input ?? '');
  });
}

test('the server logs at debug level through sign-ins, failures, codes and a password reset, and never a secret', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'stepup-logs-'));
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const adminToken = 'an admin API token that is never logged 0123456789';
  const env = { DATA_DIR: dataDir, PORT: String(port), ISSUER: issuer, LOG_LEVEL: 'trace', NODE_ENV: 'production', ADMIN_TOKEN: adminToken };
  const cli = resolve(import.meta.dirname, '../bin/stepup.js');
  const password = 'logged-never horse battery';
  const logs: string[] = [];
  await run([cli, 'user', 'add', '--email', 'logs@example.com', '--email-code', '--password-stdin'], env, logs, password);
  const client = JSON.parse(await run([cli, 'client', 'add', '--name', 'Logs', '--redirect-uri', 'http://127.0.0.1:1/cb', '--first-party', '--json'], env, []));

  const server = spawn(process.execPath, [resolve(import.meta.dirname, '../src/main.ts')], { env: { ...process.env, NODE_OPTIONS: '', ...env } });
  let serverLog = '';
  server.stdout.on('data', (d: Buffer) => (serverLog += d.toString()));
  server.stderr.on('data', (d: Buffer) => (serverLog += d.toString()));
  try {
    for (let i = 0; i < 100 && !serverLog.includes('listening'); i += 1) await new Promise((r) => setTimeout(r, 100));
    const config = await oidc.discovery(new URL(issuer), client.client_id, client.client_secret, undefined, { execute: [oidc.allowInsecureRequests] });
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: 'http://127.0.0.1:1/cb',
      scope: 'openid email',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });

    const browser = new Browser(issuer);
    await browser.open(url.href);
    await browser.submit('/login', { email: 'logs@example.com', password: 'a wrong guess' });
    await browser.submit('/login', { email: 'logs@example.com', password });
    await browser.open(`${browser.page.url}?method=email`);
    await browser.submit('/second-factor/send');
    await browser.submit('/second-factor', { code: '000001' });
    const outbox = () =>
      readFileSync(join(dataDir, 'outbox.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { text: string });
    const code = /(\d{6})/.exec(outbox().at(-1)!.text)![1]!;
    await browser.submit('/second-factor', { code });
    const tokens = await oidc.authorizationCodeGrant(config, browser.callbackUrl, { pkceCodeVerifier: verifier, expectedState: oidc.skipStateCheck });
    expect(tokens.claims()!.amr).toEqual(['pwd', 'otp', 'mfa']);

    // the reset link's token is in the path of every request it makes
    const resetting = new Browser(issuer);
    await resetting.open('/password-reset');
    await resetting.submit('/password-reset', { email: 'logs@example.com' });
    for (let i = 0; i < 50 && !outbox().at(-1)!.text.includes('/password-reset/'); i += 1) await new Promise((r) => setTimeout(r, 100));
    const link = /(http\S+\/password-reset\/([\w-]+))/.exec(outbox().at(-1)!.text)!;
    const resetToken = link[2]!;
    await resetting.open(`${link[1]!}/not-a-page`);
    expect(resetting.page.status).toBe(404);
    await resetting.open(link[1]!);
    await resetting.submit(`/password-reset/${resetToken}`, {
      password: 'a reset password, also never logged',
      confirm: 'a reset password, also never logged',
    });
    expect(resetting.page.html).toContain('Your password is changed');
    // the console: an admin (added through the admin API) creates a client and rotates its secret, each secret shown once
    const api = (method: string, path: string, body: object) =>
      fetch(`${issuer}/admin/api/v1${path}`, {
        method,
        headers: { Authorization: `Bearer ${adminToken}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
    const adminId = ((await (await api('POST', '/users', { email: 'admin@example.com', password, emailCode: true })).json()) as { id: string }).id;
    expect((await api('PATCH', `/users/${adminId}`, { roles: ['admin'] })).status).toBe(200);
    const admin = new Browser(issuer);
    await admin.open('/admin/clients/new');
    await admin.submit('/login', { email: 'admin@example.com', password });
    await admin.open(`${admin.page.url}?method=email`);
    await admin.submit('/second-factor/send');
    const adminCode = /(\d{6})/.exec(outbox().at(-1)!.text)![1]!;
    await admin.submit('/second-factor', { code: adminCode });
    const consoleCallback = admin.visited.find((url) => url.includes('/admin/callback?'))!;
    await admin.submit('/admin/clients', { name: 'Console made', redirectUris: 'http://127.0.0.1:1/console' });
    const createdSecret = admin.textOf('client-secret')!;
    const consoleClientId = admin.textOf('client-id')!;
    await admin.open(`/admin/clients/${consoleClientId}/secret`);
    await admin.submit(`/admin/clients/${consoleClientId}/secret`);
    const rotatedSecret = admin.textOf('client-secret')!;
    expect([createdSecret, rotatedSecret].every((secret) => /^[\w-]{40,}$/.test(secret))).toBe(true);

    const metrics = await (await fetch(`${issuer}/metrics`)).text();
    expect(metrics).toContain('route="/password-reset/:token"');

    const all = `${logs.join('\n')}\n${serverLog}\n${metrics}`;
    expect(all).toContain('listening');
    expect(all).toMatch(/"path":"\/interaction\/[^"]+\/second-factor"/);
    expect(all).toMatch(/"path":"\/password-reset\/:token"/);
    expect(all).toMatch(/"path":"\/password-reset\/:token\/not-a-page"/);
    expect(all).toContain(`"path":"/admin/clients/${consoleClientId}/secret"`);
    const secrets = [
      password,
      'a wrong guess',
      code,
      client.client_secret,
      tokens.access_token,
      tokens.id_token!,
      tokens.id_token!.split('.')[1]!,
      verifier,
      resetToken,
      'a reset password',
      adminCode,
      new URL(consoleCallback).searchParams.get('code')!,
      createdSecret,
      rotatedSecret,
      adminToken,
    ];
    expect(secrets.filter((secret) => all.includes(secret))).toEqual([]);
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
  }
});
