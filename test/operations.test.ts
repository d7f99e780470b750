import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Browser } from './support/browser.ts';
import { addClient } from './support/clients.ts';
import { enrolThroughSignIn } from './support/people.ts';
import { relyingParty } from './support/relying_party.ts';
import { startStepup } from './support/stepup.ts';

describe('readiness and metrics', () => {
  test('/readyz checks storage and keys; /metrics counts sign-ins, codes, requests and storage calls', async () => {
    const stepup = await startStepup();
    try {
      const ready = await fetch(`${stepup.issuer}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ status: 'ready', storage: 'sqlite', checks: { storage: true, keys: true } });
      expect(ready.headers.get('x-request-id')).toMatch(/^[\w-]{12}$/);

      const rp = await relyingParty(stepup, { firstParty: true });
      const browser = new Browser(stepup.issuer);
      const first = await rp.authorize();
      const person = await enrolThroughSignIn(stepup, browser, first.url);
      await first.exchange(browser.callbackUrl);
      const again = new Browser(stepup.issuer);
      await again.open((await rp.authorize()).url);
      await again.submit('/login', { email: person.email, password: 'not the password' });

      const response = await fetch(`${stepup.issuer}/metrics`);
      expect(response.headers.get('content-type')).toContain('text/plain');
      const metrics = await response.text();
      expect(metrics).toContain('stepup_sign_in_steps_total{step="password",result="ok"} 1');
      expect(metrics).toContain('stepup_sign_in_steps_total{step="password",result="failed"} 1');
      expect(metrics).toMatch(/stepup_http_request_duration_seconds_count\{method="POST",route="\/interaction\/:uid\/login",status="303"\} 1/);
      expect(metrics).toMatch(/stepup_http_request_duration_seconds_count\{method="POST",route="\/token",status="200"\} 1/);
      expect(metrics).toMatch(/stepup_storage_operation_duration_seconds_count\{operation="accounts.findByEmail",outcome="ok"\} \d+/);
      expect(metrics).toContain('stepup_process_resident_memory_bytes');
      // route labels never carry ids
      expect(metrics).not.toMatch(/route="\/interaction\/[\w-]{10,}/);

      await stepup.container.store.close();
      const down = await fetch(`${stepup.issuer}/readyz`);
      expect(down.status).toBe(503);
      expect(await down.json()).toMatchObject({ status: 'not ready', checks: { storage: false, keys: true } });
    } finally {
      await stepup.stop().catch(() => undefined);
    }
  });
});

test('behind a TLS-terminating proxy: secure cookies, and the forwarded client address', async () => {
  // the public address is https; the proxy forwards to our plain-http address
  const issuer = 'https://id.example.test';
  const stepup = await startStepup({ ISSUER: issuer, TRUST_PROXY: 'true' });
  try {
    const client = await addClient(stepup.container, { name: 'Behind proxy', redirectUris: ['https://app.example/cb'], firstParty: true, public: true });
    const browser = new Browser(issuer, {
      origin: stepup.issuer,
      headers: { 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'id.example.test', 'X-Forwarded-For': '203.0.113.9' },
    });
    const query = new URLSearchParams({
      client_id: client.client_id,
      redirect_uri: 'https://app.example/cb',
      response_type: 'code',
      scope: 'openid',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    });
    await browser.open(`${issuer}/auth?${query}`);
    expect(browser.page.html).toContain('name="password"');
    expect(browser.setCookieLines.length).toBeGreaterThan(0);
    expect(browser.setCookieLines.every((line) => /;\s*secure/i.test(line))).toBe(true);

    await browser.submit('/login', { email: 'nobody@example.com', password: 'whatever it is' });
    const [failed] = await stepup.container.auditQueries.query({ type: 'login_failed' });
    expect(failed).toMatchObject({ ip: '203.0.113.9' });
  } finally {
    await stepup.stop();
  }
});

const freePort = () =>
  new Promise<number>((done) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => done(port));
    });
  });

test('SIGTERM: no new connections, the request in flight finishes, storage closes, exit 0', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'stepup-shutdown-'));
  const port = await freePort();
  const token = 'shutdown-test-admin-token-0123456789';
  const env = { DATA_DIR: dataDir, PORT: String(port), ISSUER: `http://127.0.0.1:${port}`, ADMIN_TOKEN: token, NODE_ENV: 'production' };
  const server = spawn(process.execPath, [resolve(import.meta.dirname, '../src/main.ts')], { env: { ...process.env, NODE_OPTIONS: '', ...env } });
  let log = '';
  server.stdout.on('data', (d: Buffer) => (log += d.toString()));
  server.stderr.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<number | null>((done) => server.on('exit', done));
  try {
    for (let i = 0; i < 100 && !log.includes('listening'); i += 1) await new Promise((r) => setTimeout(r, 100));

    // a request whose body is still arriving when the signal comes
    const body = JSON.stringify({ name: 'In flight', redirectUris: ['https://app.example/cb'] });
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.on('data', (d: Buffer) => (answer += d.toString()));
    const closed = new Promise((done) => socket.on('close', done));
    await new Promise((done) => socket.on('connect', done));
    socket.write(
      `POST /admin/api/v1/clients HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`,
    );
    await new Promise((r) => setTimeout(r, 200));

    server.kill('SIGTERM');
    for (let i = 0; i < 50 && !log.includes('shutting down'); i += 1) await new Promise((r) => setTimeout(r, 50));
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();

    socket.write(body.slice(10));
    await closed;
    expect(answer).toMatch(/^HTTP\/1\.1 201/);
    expect(answer).toContain('"name":"In flight"');
    expect(await exited).toBe(0);
    expect(log).toContain('storage closed');
  } finally {
    server.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
});
