import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { generate } from 'otplib';
import { decodeEntities as decode } from './html.ts';
import { authorizationRequest, BENCH_PASSWORD, type BenchAccount, type BenchClient, currentStep, type Step, stepTimer } from './sign_in_flow.ts';

/**
 * Keycloak beside Stepup: its Quarkus distribution from Maven Central (cached under
 * data/bench/keycloak), built and started in production mode (HTTP on 127.0.0.1, H2 file
 * database, local cache) with a realm of users who have a password and an authenticator app, and driven through the same browser flow:
 * authorization request and login page, password, TOTP code, callback, code exchange.
 */
export const KEYCLOAK_VERSION = '26.5.6';
const distribution = `https://repo1.maven.org/maven2/org/keycloak/keycloak-quarkus-dist/${KEYCLOAK_VERSION}/keycloak-quarkus-dist-${KEYCLOAK_VERSION}.zip`;
const realm = 'bench';

/** The unpacked distribution, downloaded and unpacked on first use. */
export async function keycloakHome(cacheDir: string): Promise<string> {
  const home = join(cacheDir, `keycloak-${KEYCLOAK_VERSION}`);
  if (existsSync(join(home, 'bin', 'kc.sh'))) return home;
  mkdirSync(cacheDir, { recursive: true });
  const zip = join(cacheDir, `keycloak-${KEYCLOAK_VERSION}.zip`);
  if (!existsSync(zip)) {
    console.log(`downloading ${distribution}`);
    const response = await fetch(distribution);
    if (!response.ok || !response.body) throw new Error(`downloading Keycloak: ${response.status}`);
    await pipeline(Readable.fromWeb(response.body as never), createWriteStream(`${zip}.part`));
    execFileSync('mv', [`${zip}.part`, zip]);
  }
  execFileSync('unzip', ['-q', '-o', zip, '-d', cacheDir]);
  return home;
}

/**
 * Keycloak's environment: a JDK (JAVA_HOME, else the Temurin 25 this machine has), which from
 * Java 24 on must open java.lang to its thread pool.
 */
export function keycloakEnv(): Record<string, string> {
  const home = process.env.JAVA_HOME ?? '/usr/lib/jvm/temurin-25-jdk-amd64';
  if (!existsSync(join(home, 'bin', 'java'))) throw new Error(`no JDK at ${home}: set JAVA_HOME to a JDK 21 or later`);
  // BENCH_KEYCLOAK_JAVA_OPTS: JVM options for studying a start (its JIT's or collector's logs)
  const extra = process.env.BENCH_KEYCLOAK_JAVA_OPTS ? ` ${process.env.BENCH_KEYCLOAK_JAVA_OPTS}` : '';
  return { JAVA_HOME: home, JAVA_OPTS_APPEND: `--add-opens=java.base/java.lang=ALL-UNNAMED${extra}` };
}

const base32 = (bytes: Buffer) => {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const byte of bytes) bits += byte.toString(2).padStart(8, '0');
  return (bits.match(/.{1,5}/g) ?? []).map((chunk) => alphabet[Number.parseInt(chunk.padEnd(5, '0'), 2)]).join('');
};

/** Keycloak's argon2 parameters when none are set (its Argon2Parameters defaults). */
export const KEYCLOAK_DEFAULT_ARGON2 = { memoryKiB: 7168, timeCost: 5, parallelism: 1 };
type Argon2 = { memoryKiB: number; timeCost: number; parallelism: number };

/**
 * The password credential of every user, hashed here once as Keycloak's argon2 provider
 * stores it (argon2id v1.3, 32 bytes, a 16-byte salt, base64): the import then stores it as it
 * is instead of hashing every user's password on a cold JVM (seconds per hundred users on
 * one core). Keycloak checks it at these parameters, as it would one it had hashed itself.
 */
async function passwordCredential(params: Argon2) {
  const { default: argon2 } = await import('argon2');
  const salt = randomBytes(16);
  const hash = await argon2.hash(BENCH_PASSWORD, {
    type: argon2.argon2id,
    memoryCost: params.memoryKiB,
    timeCost: params.timeCost,
    parallelism: params.parallelism,
    hashLength: 32,
    salt,
    raw: true,
  });
  return {
    type: 'password',
    temporary: false,
    secretData: JSON.stringify({ value: hash.toString('base64'), salt: salt.toString('base64'), additionalParameters: {} }),
    credentialData: JSON.stringify({
      hashIterations: params.timeCost,
      algorithm: 'argon2',
      additionalParameters: {
        hashLength: ['32'],
        memory: [String(params.memoryKiB)],
        type: ['id'],
        version: ['1.3'],
        parallelism: [String(params.parallelism)],
      },
    }),
  };
}

/**
 * The realm file Keycloak imports at start: a confidential client with PKCE, and `count`
 * users with a password (hashed at `argon2`, the parameters Keycloak runs with) and a TOTP
 * credential (HmacSHA1, 6 digits, 30 s). Keycloak keeps the TOTP secret as text and uses its
 * bytes as the key: the authenticator app gets their base32.
 */
export async function writeRealm(importDir: string, count: number, client: Omit<BenchClient, 'issuer'>, argon2: Argon2): Promise<BenchAccount[]> {
  const accounts: BenchAccount[] = [];
  const password = await passwordCredential(argon2);
  const users = Array.from({ length: count }, (_, i) => {
    const secret = randomBytes(15).toString('base64url'); // 20 characters
    const email = `kc-${i}@example.com`;
    accounts.push({ email, totpSecret: base32(Buffer.from(secret)) });
    return {
      username: email,
      email,
      emailVerified: true,
      firstName: 'Bench',
      lastName: `User ${i}`,
      enabled: true,
      credentials: [
        password,
        {
          type: 'otp',
          userLabel: 'bench',
          secretData: JSON.stringify({ value: secret }),
          credentialData: JSON.stringify({ subType: 'totp', digits: 6, period: 30, algorithm: 'HmacSHA1', counter: 0 }),
        },
      ],
    };
  });
  mkdirSync(importDir, { recursive: true });
  writeFileSync(
    join(importDir, `${realm}-realm.json`),
    JSON.stringify({
      realm,
      enabled: true,
      sslRequired: 'none',
      otpPolicyType: 'totp',
      otpPolicyAlgorithm: 'HmacSHA1',
      otpPolicyDigits: 6,
      otpPolicyPeriod: 30,
      otpPolicyLookAheadWindow: 1,
      clients: [
        {
          clientId: client.clientId,
          secret: client.clientSecret,
          publicClient: false,
          standardFlowEnabled: true,
          directAccessGrantsEnabled: false,
          redirectUris: [client.redirectUri],
          attributes: { 'pkce.code.challenge.method': 'S256' },
        },
      ],
      users,
    }),
  );
  return accounts;
}

/** The build-time options the bench's Keycloak runs with, as a fair production set-up does. */
const BUILD_OPTIONS = ['--db=dev-file', '--cache=local'];

/**
 * Builds Keycloak for production mode (`kc.sh build`) once per home and build options: the
 * Quarkus augmentation that `start-dev` redoes at every start, and that fixes the database
 * vendor. A marker under `home`/data remembers what was built, and when (a `start-dev` in the
 * same home since then rebuilds it in dev mode, so it is built again).
 */
export function keycloakBuild(home: string, env: Record<string, string>) {
  const marker = join(home, 'data', 'bench-build.txt');
  const built = join(home, 'lib', 'quarkus', 'build-system.properties');
  const stamp = () => `${BUILD_OPTIONS.join(' ')} ${existsSync(built) ? statSync(built).mtimeMs : 0}`;
  if (existsSync(marker) && readFileSync(marker, 'utf8') === stamp()) return;
  console.log(`building Keycloak for production mode: kc.sh build ${BUILD_OPTIONS.join(' ')}`);
  execFileSync(join(home, 'bin', 'kc.sh'), ['build', ...BUILD_OPTIONS], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
  mkdirSync(join(home, 'data'), { recursive: true });
  writeFileSync(marker, stamp());
}

/**
 * Keycloak's production command line (`start --optimized`, after `keycloakBuild`) on
 * 127.0.0.1:`port` over plain HTTP, with the local cache (a runtime option in 26.x: without it
 * production mode starts a clustered Infinispan), its H2 file database under `home`/data
 * started afresh and the realm imported. `argon2`: Keycloak's argon2 at these parameters
 * (runtime SPI options), else its default hashing.
 */
export function keycloakCommand(home: string, port: number, argon2: Argon2 | null): string[] {
  rmSync(join(home, 'data', 'h2'), { recursive: true, force: true });
  const hashing = argon2
    ? [
        `--spi-password-hashing--argon2--memory=${argon2.memoryKiB}`,
        `--spi-password-hashing--argon2--iterations=${argon2.timeCost}`,
        `--spi-password-hashing--argon2--parallelism=${argon2.parallelism}`,
      ]
    : [];
  return [
    join(home, 'bin', 'kc.sh'),
    'start',
    '--optimized',
    '--http-enabled=true',
    '--hostname-strict=false',
    '--http-host=127.0.0.1',
    `--http-port=${port}`,
    '--cache=local',
    '--import-realm',
    '--log-level=warn',
    ...hashing,
  ];
}

export const keycloakIssuer = (port: number) => `http://127.0.0.1:${port}/realms/${realm}`;

/** The post action of the page's form with this id (else its only posting form), or null. */
function formAction(html: string, id: string): string | null {
  const forms = [...html.matchAll(/<form\b([^>]*)>/gi)].map((m) =>
    Object.fromEntries([...m[1]!.matchAll(/([\w-]+)\s*=\s*"([^"]*)"/g)].map((a) => [a[1]!.toLowerCase(), decode(a[2]!)])),
  );
  const posting = forms.filter((f) => (f.method ?? '').toLowerCase() === 'post' && f.action);
  return (forms.find((f) => f.id === id && f.action) ?? (posting.length === 1 ? posting[0] : undefined))?.action ?? null;
}

/** What Keycloak said on a page that is not the one expected, for the error. */
const pageProblem = (html: string) =>
  decode(
    (/id="input-error[^"]*"[^>]*>([\s\S]*?)<\//.exec(html) ?? /class="[^"]*(?:kc-feedback-text|alert)[^"]*"[^>]*>([\s\S]*?)<\//.exec(html) ?? [])[1] ??
      html
        .replace(/<[^>]+>/g, ' ')
        .replace(/\s+/g, ' ')
        .slice(0, 160),
  ).trim();

/** One complete sign-in through Keycloak's pages; the same steps and timing as Stepup's flow. */
export async function keycloakSignIn(client: BenchClient, account: BenchAccount, time: (step: Step, ms: number) => void, now: () => number) {
  const cookies = new Map<string, string>();
  const send = async (url: string, init: RequestInit = {}) => {
    const response = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string>), cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    for (const line of response.headers.getSetCookie()) {
      const pair = line.split(';')[0]!;
      const eq = pair.indexOf('=');
      if (pair.slice(eq + 1) === '' || /Max-Age=0/i.test(line)) cookies.delete(pair.slice(0, eq));
      else cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    return response;
  };
  const timed = stepTimer(time);
  const post = (url: string, fields: Record<string, string>) =>
    send(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });

  const { verifier, query: authorize } = authorizationRequest(client, { scope: 'openid' });
  // the authorization request answers the login page itself
  const loginAction = await timed('authorize', async () => {
    const response = await send(`${client.issuer}/protocol/openid-connect/auth?${authorize}`);
    const html = await response.text();
    const action = formAction(html, 'kc-form-login');
    if (response.status !== 200 || !action) throw new Error(`keycloak authorize: ${response.status} ${pageProblem(html)}`);
    return action;
  });
  const otpAction = await timed('password', async () => {
    const response = await post(loginAction, { username: account.email, password: BENCH_PASSWORD, credentialId: '' });
    const html = await response.text();
    const action = formAction(html, 'kc-otp-login-form');
    if (response.status !== 200 || !action || !html.includes('name="otp"')) throw new Error(`keycloak password: ${response.status} ${pageProblem(html)}`);
    return action;
  });
  const step = Math.max(currentStep(now()), (account.lastStep ?? 0) + 1);
  account.lastStep = step;
  const otp = await generate({ secret: account.totpSecret!, epoch: step * 30 });
  const code = await timed('totp', async () => {
    const response = await post(otpAction, { otp, login: 'Sign In' });
    const location = response.headers.get('location') ?? '';
    if (response.status !== 302 || !location.startsWith(client.redirectUri))
      throw new Error(`keycloak otp: ${response.status} ${pageProblem(await response.text())}`);
    await response.arrayBuffer();
    return new URL(location).searchParams.get('code');
  });
  if (!code) throw new Error('keycloak: no code at the callback');
  return timed('token', async () => {
    const response = await fetch(`${client.issuer}/protocol/openid-connect/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: client.redirectUri, code_verifier: verifier }).toString(),
    });
    const body = (await response.json()) as { refresh_token?: string; error?: string; error_description?: string };
    if (!response.ok) throw new Error(`keycloak token: ${response.status} ${body.error} ${body.error_description ?? ''}`);
    return body.refresh_token ?? null;
  });
}
