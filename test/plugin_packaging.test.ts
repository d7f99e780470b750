import { type ChildProcess, execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'otplib';
import type { Browser as Chromium } from 'playwright-core';
import { describeInChromium, launchChromium } from './support/chromium.ts';
import { freePort, hostRelyingParty, npmInstall, packStepup, startHost } from './support/host_app.ts';

/**
 * The package as a host author meets it: the tarball `npm pack` makes, installed into two bare
 * hosts of test/plugin_hosts (a strict TypeScript Koa host, a plain-JavaScript Express 5 host)
 * with nothing else, type-checked, run by Node and signed in to with Chromium.
 */
const maybe = describeInChromium('Stepup installed into bare hosts');
const root = join(import.meta.dirname, '..');
const redirectUri = 'http://127.0.0.1:2/callback';
const secret = 'host-client-secret-0123456789abcdef';
const alice = { email: 'alice@example.com', password: 'correct horse battery staple' };
const optionalPackages = ['argon2', 'mongodb', 'twilio'];
const ourDependencies = Object.keys((JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: object }).dependencies);

interface Host {
  dir: string;
  npmOutput: string;
  issuer: string;
  child: ChildProcess;
}
const hosts = {} as Record<'typescript' | 'express', Host>;
let workDir: string;
let chromium: Chromium;

async function installAndStart(name: keyof typeof hosts, file: string, tarball: string) {
  const dir = join(workDir, name);
  cpSync(join(import.meta.dirname, 'plugin_hosts', name), dir, { recursive: true });
  const npmOutput = await npmInstall(dir, [tarball]);
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const child = await startHost(dir, file, {
    ISSUER: issuer,
    PORT: String(port),
    STEPUP_DB: join(dir, 'stepup.db'),
    STEPUP_KEY: randomBytes(32).toString('base64'),
    CLIENTS: JSON.stringify([{ client_id: 'host-app', client_secret: secret, redirect_uris: [redirectUri] }]),
  });
  hosts[name] = { dir, npmOutput, issuer, child };
}

maybe('Stepup installed from its tarball into bare hosts', () => {
  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'stepup-packaging-'));
    const tarball = packStepup(workDir);
    // the two installs and starts at once: most of their time is npm and Node waiting
    await Promise.all([installAndStart('typescript', 'server.ts', tarball), installAndStart('express', 'server.js', tarball)]);
    chromium = await launchChromium();
  }, 240_000);
  afterAll(async () => {
    await chromium?.close();
    for (const host of Object.values(hosts)) host.child.kill();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  test.each(['typescript', 'express'] as const)('the %s host gets no Node binary and none of the optional packages', (name) => {
    const modules = join(hosts[name].dir, 'node_modules');
    expect(existsSync(join(modules, '.bin', 'node'))).toBe(false);
    expect(existsSync(join(modules, 'node'))).toBe(false);
    expect(optionalPackages.concat('pino-pretty').filter((name) => existsSync(join(modules, name)))).toEqual([]);
    expect(existsSync(join(modules, 'stepup', 'dist', 'index.js'))).toBe(true);
    // npm warns of no deprecated package that we depend on ourselves
    const deprecated = [...hosts[name].npmOutput.matchAll(/npm warn deprecated (@?[^@\s]+)@/g)].map((match) => match[1]);
    expect(deprecated.filter((name) => ourDependencies.includes(name!))).toEqual([]);
    const kib = Number(execFileSync('du', ['-sk', modules], { encoding: 'utf8' }).split('\t')[0]);
    console.log(`the ${name} host's node_modules with Stepup: ${(kib / 1024).toFixed(0)} MB (npm warned of deprecated: ${deprecated.join(', ') || 'none'})`);
    // about 70 MB; the node package alone was 189 MB
    expect(kib / 1024).toBeLessThan(150);
  });

  test("the TypeScript host type-checks with Stepup's types, the libraries' too (skipLibCheck false), with nothing added", () => {
    const tsc = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', hosts.typescript.dir], { encoding: 'utf8' });
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
  });

  test('an optional package the host left out is named, with the command that installs it, where it is needed', () => {
    const key = randomBytes(32).toString('base64');
    const script = `import { createStepup, createTwilioSender } from 'stepup';
      try { createTwilioSender({ accountSid: 'AC0', authToken: 'token', from: '+15550000000', statusCallback: 'http://127.0.0.1:1/', timeoutMs: 1000 }); }
      catch (error) { console.log(error.message); }
      await createStepup({ issuer: 'http://127.0.0.1:1', people: { findById: async () => null }, store: { mongodbUri: 'mongodb://127.0.0.1:1/x' }, encryptionKey: '${key}' })
        .catch((error) => console.log(error.message));`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: hosts.express.dir, encoding: 'utf8' });
    expect(run.stdout.trim().split('\n')).toEqual([
      'SMS via Twilio needs the twilio package: npm install twilio',
      'A MongoDB store needs the mongodb package: npm install mongodb',
    ]);
    // the admin command in the host's .bin hashes passwords with argon2
    const addUser = spawnSync(process.execPath, [join('node_modules', '.bin', 'stepup'), 'user', 'add', '--email', 'bob@example.com', '--password-stdin'], {
      cwd: hosts.express.dir,
      input: 'a password long enough to pass\n',
      env: { PATH: process.env.PATH, DATA_DIR: join(workDir, 'cli-data') },
      encoding: 'utf8',
    });
    expect(addUser.stderr).toContain('needs the argon2 package: npm install argon2');
    expect(addUser.status).not.toBe(0);
  });

  test.each(['typescript', 'express'] as const)(
    "at the %s host: the password at the host's page, an authenticator app enrolled at Stepup's, an ID token with 2fa",
    async (name) => {
      const page = await (await chromium.newContext()).newPage();
      await page.route(`${redirectUri}**`, (route) => route.fulfill({ status: 200, body: 'signed in' }));
      const signIn = await hostRelyingParty(hosts[name].issuer, 'host-app', secret, redirectUri);
      const finish = await signIn(page);
      await page.getByRole('heading', { name: 'Host sign-in' }).waitFor();
      await page.getByLabel('Email').fill(alice.email);
      await page.getByLabel('Password').fill(alice.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      const enrolPage = page.waitForResponse((response) => new URL(response.url()).pathname.endsWith('/enrol/totp'));
      await page.getByRole('link', { name: 'Authenticator app' }).click();
      // the page that shows the TOTP secret carries Stepup's own headers in the host
      const headers = await (await enrolPage).allHeaders();
      expect(headers['cache-control']).toBe('no-store');
      expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
      const key = (await page.locator('#totp-secret').textContent())!.trim();
      await page.getByLabel('Code shown in the app').fill(await generate({ secret: key }));
      await page.getByRole('button', { name: 'Confirm' }).click();
      await page.getByRole('heading', { name: 'Save your recovery codes' }).waitFor();
      const claims = await finish(() => page.getByRole('link', { name: /I have saved my codes/ }).click());
      expect(claims.acr).toBe('urn:stepup:loa:2fa');
      expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
      expect(claims.sub).toBe('u-alice');
      await page.context().close();
    },
  );
});
