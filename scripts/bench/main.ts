import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadConfig } from '../../src/config/load.ts';
import {
  KEYCLOAK_DEFAULT_ARGON2,
  KEYCLOAK_VERSION,
  keycloakBuild,
  keycloakCommand,
  keycloakEnv,
  keycloakHome,
  keycloakIssuer,
  keycloakSignIn,
  writeRealm,
} from './keycloak.ts';
import { cpuSeconds, cpuSecondsByThread, watchPeakRss } from './process_stats.ts';
import { dropRunDatabase, seedStepup, stepupEnv, unlimitedSettings } from './seed.ts';
import { BENCH_PASSWORD, type BenchAccount, type BenchClient, canSignIn, refresh, type Step, signIn } from './sign_in_flow.ts';

/**
 * npm run bench: complete sign-ins over HTTP against a Stepup it starts itself (embedded
 * store; MongoDB too when MONGODB_URI is set) and against a bare oidc-provider baseline, with
 * the argon2 bound measured on the same cores. The server gets every core but the last, the
 * load generator the last (taskset). Prints a table, writes JSON to data/bench/.
 * `--vs keycloak` (or BENCH_KEYCLOAK=1) adds Keycloak at its default hashing and at Stepup's
 * argon2 parameters; BENCH_WORKERS_SCALING=1 measures WORKERS=2 against WORKERS=1 instead.
 */
const root = resolve(import.meta.dirname, '../..');
const node = process.execPath;
const seconds = Number(process.env.BENCH_SECONDS ?? 20);
// BENCH_SIGN_INS=10000: the peak phase runs until that many sign-ins are done (for the memory after them)
const signInTarget = Number(process.env.BENCH_SIGN_INS ?? 0);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 8);
const accountCount = Number(process.env.BENCH_ACCOUNTS ?? 3000);
const withBaseline = process.env.BENCH_BASELINE !== '0';
// BENCH_KNOWN_BROWSERS=1: every account signs in once before the phases, so that the sign-ins
// measured come from a browser their account has used (no new-browser alert), as most do
const knownBrowsers = process.env.BENCH_KNOWN_BROWSERS === '1';
const argv = process.argv.slice(2);
const withKeycloak = process.env.BENCH_KEYCLOAK === '1' || argv.join(' ').includes('--vs keycloak') || argv.includes('--vs=keycloak');
// enough users that none runs out of TOTP steps over the warm-up and the phases (each signs in about once per 30 s step)
const keycloakUsers = Number(process.env.BENCH_KEYCLOAK_USERS ?? 2000);
const keycloakWarmUp = Number(process.env.BENCH_KEYCLOAK_WARMUP ?? 90);
// one configuration's starts differ by up to 1.8× (2026-12-07, 18:00 in docs/performance.md): each
// starts BENCH_KEYCLOAK_STARTS times and its cheapest start counts, so the ratio never flatters Stepup
const keycloakStarts = Math.max(1, Number(process.env.BENCH_KEYCLOAK_STARTS ?? 3));
// BENCH_KEYCLOAK_HASHING: both configurations, or only `default` or `stepup` (to study one)
const keycloakHashing = process.env.BENCH_KEYCLOAK_HASHING ?? 'both';
if (!['both', 'default', 'stepup'].includes(keycloakHashing)) throw new Error('BENCH_KEYCLOAK_HASHING is both, default or stepup');
// WORKERS=1 on one core against WORKERS=<cores> on every core: the load generator shares them
const workersScaling = process.env.BENCH_WORKERS_SCALING === '1';
const redirectUri = 'http://127.0.0.1:9/callback';
/** the baseline's accounts share one authenticator secret (base32, 20 bytes): it checks codes, not who holds them */
const BASELINE_TOTP_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

const coreCount = availableParallelism();
const serverCores = coreCount > 1 && !workersScaling ? Array.from({ length: coreCount - 1 }, (_, i) => i) : Array.from({ length: coreCount }, (_, i) => i);
const generatorCore = coreCount - 1;
// BENCH_PIN=0 leaves the cores unshared-out (for profiles without preemption artefacts)
const hasTaskset =
  process.env.BENCH_PIN !== '0' &&
  (() => {
    try {
      execFileSync('taskset', ['-V'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
const pinned = (args: string[], cores = serverCores) =>
  (hasTaskset ? ['taskset', ['-c', cores.join(','), ...args]] : [args[0]!, args.slice(1)]) as [string, string[]];
if (hasTaskset) {
  if (!workersScaling) execFileSync('taskset', ['-cp', String(generatorCore), String(process.pid)], { stdio: 'ignore' });
} else console.warn('taskset not found: the server and the load generator share the cores');

const argon2 = loadConfig({ ...process.env, LOG_LEVEL: 'silent' }).argon2;

interface Latencies {
  [step: string]: number[];
}
const percentile = (values: number[], p: number) => {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};
const summary = (values: number[]) => ({ p50: percentile(values, 50), p95: percentile(values, 95), p99: percentile(values, 99) });

function startProcess(command: string, args: string[], env: Record<string, string>): ChildProcess {
  const child = spawn(command, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr!.on('data', (chunk: Buffer) => process.stderr.write(chunk));
  return child;
}

async function waitFor(url: string, seconds = 30) {
  for (let tries = 0; tries < seconds * 10; tries += 1) {
    try {
      if ((await fetch(url)).status < 500) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not come up`);
}

async function argon2Bound(cores = serverCores): Promise<{ perSecond: number; perSecondPerCore: number }> {
  const [command, args] = pinned(
    [node, 'scripts/bench/argon2_bound.ts', String(argon2.memoryKiB), String(argon2.timeCost), String(argon2.parallelism), '5', String(cores.length)],
    cores,
  );
  return new Promise((resolvePromise, reject) => {
    // at its best: one libuv thread per core, as Stepup runs it
    const child = startProcess(command, args, { UV_THREADPOOL_SIZE: String(cores.length) });
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk;
    });
    child.on('exit', (code) => (code === 0 ? resolvePromise(JSON.parse(out)) : reject(new Error(`argon2 bound exited ${code}`))));
  });
}

type Flow = typeof signIn;

/** Closed loop: `concurrency` sign-ins in flight for `seconds`. */
async function closedLoop(client: BenchClient, accounts: BenchAccount[], durationS: number, lanes: number, flow: Flow, target = 0) {
  const latencies: Latencies = {};
  const refreshTokens: string[] = [];
  let completed = 0;
  const errors: string[] = [];
  let next = 0;
  const end = Date.now() + durationS * 1000;
  const pick = () => {
    for (let tries = 0; tries < accounts.length; tries += 1) {
      const account = accounts[next++ % accounts.length]!;
      if (canSignIn(account, Date.now())) return account;
    }
    throw new Error('every account has used its TOTP step: raise BENCH_ACCOUNTS');
  };
  const time = (step: Step, ms: number) => {
    const list = latencies[step] ?? [];
    latencies[step] = list;
    list.push(ms);
  };
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (Date.now() < end && (target === 0 || completed < target)) {
        try {
          const token = await flow(client, pick(), time, Date.now);
          completed += 1;
          if (token && refreshTokens.length < 2000) refreshTokens.push(token);
        } catch (error) {
          errors.push((error as Error).message);
        }
      }
    }),
  );
  return { completed, errors, latencies, refreshTokens };
}

/** Open loop: sign-ins started at a fixed rate, for latency under a known load. */
async function openLoop(client: BenchClient, accounts: BenchAccount[], durationS: number, perSecond: number, flow: Flow) {
  const latencies: Latencies = {};
  const errors: string[] = [];
  const started: Promise<void>[] = [];
  const time = (step: Step, ms: number) => {
    const list = latencies[step] ?? [];
    latencies[step] = list;
    list.push(ms);
  };
  let next = 0;
  const begin = Date.now();
  for (let i = 0; Date.now() < begin + durationS * 1000; i += 1) {
    const due = begin + (i * 1000) / perSecond;
    if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
    let account = accounts[next++ % accounts.length]!;
    for (let tries = 0; !canSignIn(account, Date.now()) && tries < accounts.length; tries += 1) account = accounts[next++ % accounts.length]!;
    started.push(
      flow(client, account, time, Date.now).then(
        () => undefined,
        (error: Error) => {
          errors.push(error.message);
        },
      ),
    );
  }
  await Promise.all(started);
  return { started: started.length, errors, latencies };
}

async function refreshLoop(client: BenchClient, tokens: string[], durationS: number, lanes: number) {
  const latency: number[] = [];
  let errors = 0;
  let firstError: string | null = null;
  const end = Date.now() + durationS * 1000;
  let next = 0;
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (Date.now() < end && tokens.length > 0) {
        try {
          latency.push(await refresh(client, tokens[next++ % tokens.length]!));
        } catch (error) {
          errors += 1;
          firstError ??= (error as Error).message;
        }
      }
    }),
  );
  return { perSecond: durationS ? latency.length / durationS : 0, grants: latency.length, ...summary(latency), errors, firstError, tokens: tokens.length };
}

interface Measuring {
  flow?: Flow;
  warmUpSeconds?: number;
  /** the storage operations the server has made so far, where it counts them */
  storageOperations?: () => Promise<number>;
  /** the commands its store has sent to MongoDB so far (each a round trip), null on SQLite */
  storageRoundTrips?: () => Promise<number | null>;
  /** Stepup's own storage operations so far, not oidc-provider's */
  ownStorageOperations?: () => Promise<number>;
}

/** Runs the phases against one server process tree; answers its figures. */
async function measure(name: string, server: ChildProcess, client: BenchClient, accounts: BenchAccount[], options: Measuring = {}) {
  const { flow = signIn, warmUpSeconds = 2, storageOperations, storageRoundTrips, ownStorageOperations } = options;
  await closedLoop(client, accounts, warmUpSeconds, concurrency, flow); // warm-up: JIT, caches, thread pool
  // each account once, in turn (Keycloak's flow keeps no browser)
  if (knownBrowsers && flow === signIn) await closedLoop(client, accounts, 24 * 3600, concurrency, flow, accounts.length);
  const rss = watchPeakRss(server.pid!);
  const cpuBefore = cpuSeconds(server.pid!);
  const threadsBefore = cpuSecondsByThread(server.pid!);
  const operationsBefore = await storageOperations?.();
  const roundTripsBefore = await storageRoundTrips?.();
  const ownBefore = await ownStorageOperations?.();
  const started = Date.now();
  const peak = signInTarget
    ? await closedLoop(client, accounts, 24 * 3600, concurrency, flow, signInTarget)
    : await closedLoop(client, accounts, seconds, concurrency, flow);
  const elapsed = (Date.now() - started) / 1000;
  const operationsAfter = await storageOperations?.();
  const roundTripsAfter = await storageRoundTrips?.();
  const ownAfter = await ownStorageOperations?.();
  const cpu = cpuSeconds(server.pid!) - cpuBefore;
  const threadsAfter = cpuSecondsByThread(server.pid!);
  const cpuMsPerSignInByThread = Object.fromEntries(
    Object.entries(threadsAfter).map(([kind, s]) => [kind, (1000 * (s - (threadsBefore[kind] ?? 0))) / Math.max(1, peak.completed)]),
  );
  const signInsPerSecond = peak.completed / elapsed;
  // BENCH_PEAK_ONLY=1 (for profiles): the closed-loop phase alone
  const peakOnly = Boolean(process.env.BENCH_PEAK_ONLY);
  // BENCH_REFRESH_SECONDS (for a profile of refresh grants): that long a refresh phase, no 70% phase
  const refreshSeconds = Number(process.env.BENCH_REFRESH_SECONDS ?? 0);
  const atSeventy = await openLoop(client, accounts, peakOnly || refreshSeconds ? 0 : Math.max(5, Math.round(seconds / 2)), signInsPerSecond * 0.7, flow);
  const cpuBeforeRefresh = cpuSeconds(server.pid!);
  const threadsBeforeRefresh = cpuSecondsByThread(server.pid!);
  const refreshed = await refreshLoop(client, peak.refreshTokens, peakOnly ? 0 : refreshSeconds || Math.max(3, Math.round(seconds / 4)), concurrency);
  // the server's CPU per grant: the rate alone hides a load generator that cannot keep up
  const grants = Math.max(1, refreshed.grants);
  const threadsAfterRefresh = cpuSecondsByThread(server.pid!);
  const refreshes = {
    ...refreshed,
    cpuMsPerGrant: (1000 * (cpuSeconds(server.pid!) - cpuBeforeRefresh)) / grants,
    mainThreadMsPerGrant: (1000 * ((threadsAfterRefresh.main ?? 0) - (threadsBeforeRefresh.main ?? 0))) / grants,
  };
  const peakRssMb = rss.stop();
  const steps = Object.fromEntries(Object.entries(peak.latencies).map(([step, values]) => [step, summary(values)]));
  const at70 = Object.fromEntries(Object.entries(atSeventy.latencies).map(([step, values]) => [step, summary(values)]));
  return {
    name,
    signIns: peak.completed,
    signInsPerSecond,
    errors: peak.errors.length + atSeventy.errors.length,
    firstErrors: [...new Set([...peak.errors, ...atSeventy.errors])].slice(0, 3),
    cpuSecondsPerSignIn: cpu / Math.max(1, peak.completed),
    storageOperationsPerSignIn: operationsAfter === undefined ? null : (operationsAfter - operationsBefore!) / Math.max(1, peak.completed),
    ownStorageOperationsPerSignIn: ownAfter === undefined ? null : (ownAfter - ownBefore!) / Math.max(1, peak.completed),
    storageRoundTripsPerSignIn: roundTripsAfter == null || roundTripsBefore == null ? null : (roundTripsAfter - roundTripsBefore) / Math.max(1, peak.completed),
    cpuMsPerSignInByThread,
    peakRssMb,
    steps,
    at70PercentLoad: { perSecond: signInsPerSecond * 0.7, steps: at70 },
    refresh: refreshes,
  };
}

function stop(child: ChildProcess) {
  return new Promise<void>((r) => {
    if (child.exitCode !== null) return r();
    child.once('exit', () => r());
    child.kill('SIGTERM');
  });
}

/** BENCH_PROFILE=1: a V8 CPU profile of each server process (Stepup's, the baseline's), written when it exits. */
const profileFlags = () => (process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${join(root, 'data', 'bench', 'profiles')}`] : []);

async function runStepup(name: string, extraEnv: Record<string, string>, cores = serverCores) {
  const dataDir = mkdtempSync(join(tmpdir(), 'stepup-bench-'));
  const port = 3400 + Math.floor(Math.random() * 500);
  const env = {
    ...extraEnv,
    ...stepupEnv(port, dataDir, extraEnv.MONGODB_URI),
    STEPUP_CONFIG: unlimitedSettings(dataDir),
    WORKERS: String(cores.length),
  };
  const { accounts, client } = await seedStepup(env, accountCount, redirectUri);
  const profile = profileFlags();
  // BENCH_NODE_FLAGS: extra Node flags for the server, to try V8 settings
  const flags = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  // the server runs as `npm start` runs it, with the same Node flags
  const start = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start.split(' ').slice(1);
  const [command, args] = pinned([node, ...profile, ...flags, ...start], cores);
  const server = startProcess(command, args, env);
  try {
    await waitFor(`http://127.0.0.1:${port}/healthz`);
    // /metrics answers one worker's count: per sign-in only where one worker serves them all
    const storageOperations = cores.length === 1 ? async () => sum(await storageCalls(`http://127.0.0.1:${port}/metrics`)) : undefined;
    const storageRoundTrips = cores.length === 1 ? async () => roundTripsOf(`http://127.0.0.1:${port}/metrics`) : undefined;
    const ownStorageOperations = cores.length === 1 ? async () => ownOperationsOf(`http://127.0.0.1:${port}/metrics`) : undefined;
    const figures = await measure(name, server, { ...client, issuer: `http://127.0.0.1:${port}` }, accounts, {
      storageOperations,
      storageRoundTrips,
      ownStorageOperations,
    });
    return { ...figures, storageCalls: await storageCalls(`http://127.0.0.1:${port}/metrics`) };
  } finally {
    await stop(server);
    rmSync(dataDir, { recursive: true, force: true });
    await dropRunDatabase(env);
  }
}

const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

/** Stepup's own storage operations so far (not oidc-provider's), from its /metrics (one worker's view). */
async function ownOperationsOf(url: string): Promise<number> {
  return Number(/^stepup_storage_operations_total\{owner="stepup"\} (\d+)/m.exec(await (await fetch(url)).text())?.[1] ?? 0);
}

/** The commands the server's store sent to MongoDB, each a round trip, from its /metrics (one worker's view); null on SQLite. */
async function roundTripsOf(url: string): Promise<number | null> {
  const value = /^stepup_storage_round_trips (\d+)/m.exec(await (await fetch(url)).text())?.[1];
  return value === undefined ? null : Number(value);
}

/** Storage operations the server made, by port method, from its /metrics (one worker's view), and its memory gauges. */
async function storageCalls(url: string): Promise<Record<string, number>> {
  const text = await (await fetch(url)).text();
  const calls: Record<string, number> = {};
  for (const gauge of ['process_resident_memory_bytes', 'nodejs_heap_size_total_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_external_memory_bytes']) {
    const value = new RegExp(`^stepup_${gauge} (\\d+)`, 'm').exec(text)?.[1];
    if (value && process.env.BENCH_MEMORY) console.log(`${gauge}: ${(Number(value) / 1048576).toFixed(0)} MB`);
  }
  for (const match of text.matchAll(/^stepup_storage_operation_duration_seconds_count\{([^}]*)\} (\d+)/gm)) {
    const labels = Object.fromEntries([...match[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    calls[Object.values(labels).join('.')] = Number(match[2]);
  }
  return calls;
}

async function runBaseline() {
  const port = 3900 + Math.floor(Math.random() * 90);
  const client = { clientId: 'baseline', clientSecret: 'baseline-secret-baseline-secret', redirectUri, issuer: `http://127.0.0.1:${port}` };
  const [command, args] = pinned([
    node,
    ...profileFlags(),
    'scripts/bench/baseline_server.ts',
    String(port),
    String(argon2.memoryKiB),
    String(argon2.timeCost),
    String(argon2.parallelism),
    client.clientId,
    client.clientSecret,
    redirectUri,
    BENCH_PASSWORD,
    BASELINE_TOTP_SECRET,
  ]);
  const server = startProcess(command, args, { UV_THREADPOOL_SIZE: String(serverCores.length) });
  // as many accounts as Stepup's, so each has a TOTP step to sign in with
  const accounts: BenchAccount[] = Array.from({ length: accountCount }, (_, i) => ({ email: `baseline-${i}@example.com`, totpSecret: BASELINE_TOTP_SECRET }));
  try {
    await waitFor(`${client.issuer}/.well-known/openid-configuration`);
    const operations = async () => (await (await fetch(`${client.issuer}/bench/storage-operations`)).json()) as Record<string, number>;
    const figures = await measure('baseline: bare oidc-provider, password + TOTP', server, client, accounts, {
      storageOperations: async () => sum(await operations()),
    });
    return { ...figures, storageCalls: await operations() };
  } finally {
    await stop(server);
  }
}

/**
 * Keycloak in production mode (built once, `start --optimized`) on the server's cores, its
 * realm imported afresh; `argon2`: at these parameters, else its default hashing. Measured
 * after BENCH_KEYCLOAK_WARMUP seconds at load (90: its JIT compiles for over a minute).
 */
async function runKeycloak(name: string, matched: typeof argon2 | null) {
  const home = await keycloakHome(join(root, 'data', 'bench', 'keycloak'));
  keycloakBuild(home, keycloakEnv());
  const port = 4000 + Math.floor(Math.random() * 500);
  const client = { clientId: 'bench', clientSecret: randomBytes(24).toString('base64url'), redirectUri, issuer: keycloakIssuer(port) };
  const accounts = await writeRealm(join(home, 'data', 'import'), keycloakUsers, client, matched ?? KEYCLOAK_DEFAULT_ARGON2);
  const [command, args] = pinned(keycloakCommand(home, port, matched));
  const server = startProcess(command, args, keycloakEnv());
  server.stdout!.resume();
  try {
    await waitFor(`${client.issuer}/.well-known/openid-configuration`, 600);
    return await measure(name, server, { ...client, tokenEndpoint: `${client.issuer}/protocol/openid-connect/token` }, accounts, {
      flow: keycloakSignIn,
      warmUpSeconds: keycloakWarmUp,
    });
  } finally {
    await stop(server);
  }
}

/** BENCH_KEYCLOAK_STARTS runs of one configuration, each a fresh start: the one of least CPU per sign-in, naming every start's. */
async function cheapestOfStarts(name: string, matched: typeof argon2 | null) {
  const starts: Awaited<ReturnType<typeof runKeycloak>>[] = [];
  for (let i = 0; i < keycloakStarts; i += 1) {
    const run = await runKeycloak(name, matched);
    starts.push(run);
    const threads = Object.entries(run.cpuMsPerSignInByThread).map(([kind, ms]) => `${kind} ${ms.toFixed(1)}`);
    if (keycloakStarts > 1) console.log(`${name}, start ${i + 1}: CPU ms per sign-in ${(run.cpuSecondsPerSignIn * 1000).toFixed(1)} (${threads.join(', ')})`);
  }
  if (starts.length === 1) return starts[0]!;
  const cheapest = starts.reduce((best, run) => (run.cpuSecondsPerSignIn < best.cpuSecondsPerSignIn ? run : best));
  const each = starts.map((run) => (run.cpuSecondsPerSignIn * 1000).toFixed(1)).join(', ');
  return { ...cheapest, name: `${name}, cheapest of ${starts.length} starts (CPU ms per sign-in ${each})` };
}

const bound = await argon2Bound(workersScaling ? [0] : serverCores);
const boundOnEveryCore = workersScaling ? await argon2Bound(serverCores) : null;
type Run = Awaited<ReturnType<typeof measure>> & { storageCalls?: Record<string, number> };
const runs: Run[] = [];
if (workersScaling) {
  // both on every core, the load generator among them: the ratio is what matters
  runs.push(await runStepup('Stepup, SQLite, WORKERS=1 on core 0', { MONGODB_URI: '' }, [0]));
  runs.push(await runStepup(`Stepup, SQLite, WORKERS=${coreCount} on cores ${serverCores.join(',')}`, { MONGODB_URI: '' }, serverCores));
} else {
  // BENCH_STEPUP=0 (to study the others alone) skips Stepup's runs
  if (process.env.BENCH_STEPUP !== '0') {
    // the embedded run must not pick up MONGODB_URI from this environment
    const known = knownBrowsers ? ', known browsers' : '';
    runs.push(await runStepup(`Stepup, SQLite (password + TOTP${known})`, { MONGODB_URI: '' }));
    if (process.env.MONGODB_URI) runs.push(await runStepup(`Stepup, MongoDB (password + TOTP${known})`, { MONGODB_URI: process.env.MONGODB_URI }));
  }
  if (withBaseline) runs.push(await runBaseline());
  if (withKeycloak) {
    if (keycloakHashing !== 'stepup') runs.push(await cheapestOfStarts(`Keycloak ${KEYCLOAK_VERSION}, default hashing (argon2id m=7168 t=5)`, null));
    if (keycloakHashing !== 'default')
      runs.push(await cheapestOfStarts(`Keycloak ${KEYCLOAK_VERSION}, Stepup's argon2 (m=${argon2.memoryKiB} t=${argon2.timeCost})`, argon2));
  }
}

const machine = { cpus: coreCount, model: cpus()[0]?.model ?? 'unknown', serverCores, generatorCore, pinned: hasTaskset, node: process.version, argon2 };
const result = { at: new Date().toISOString(), machine, seconds, concurrency, argon2Bound: bound, argon2BoundOnEveryCore: boundOnEveryCore, runs };
const fmt = (n: number, digits = 1) => n.toFixed(digits);
console.log(
  `\nmachine: ${machine.cpus} × ${machine.model}; server on core(s) ${workersScaling ? 'as named' : serverCores.join(',')}, load generator on core ${workersScaling ? 'any' : generatorCore}${hasTaskset ? '' : ' (not pinned)'}; ${process.version}`,
);
console.log(
  `argon2id m=${argon2.memoryKiB} KiB t=${argon2.timeCost} p=${argon2.parallelism}: ${fmt(bound.perSecond)} verifications/s on ${workersScaling ? 1 : serverCores.length} core(s) (${fmt(bound.perSecondPerCore)} per core)${boundOnEveryCore ? `, ${fmt(boundOnEveryCore.perSecond)}/s on ${serverCores.length}` : ''}\n`,
);
console.log(
  '| run | sign-ins/s | % of argon2 bound | errors | CPU ms/sign-in | storage ops/sign-in | peak RSS MB | totp p50/p95/p99 ms | token p50/p95/p99 ms | at 70%: totp p99, token p99 ms | refresh/s | refresh p99 ms | refresh errors |',
);
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | --- | ---: | ---: | ---: |');
for (const run of runs) {
  const s = (step: string) => (run.steps[step] ? `${fmt(run.steps[step].p50)} / ${fmt(run.steps[step].p95)} / ${fmt(run.steps[step].p99)}` : '—');
  const at70 = (step: string) => (run.at70PercentLoad.steps[step] ? fmt(run.at70PercentLoad.steps[step].p99) : '—');
  console.log(
    `| ${run.name} | ${fmt(run.signInsPerSecond)} | ${fmt((100 * run.signInsPerSecond) / (boundOnEveryCore && run === runs[1] ? boundOnEveryCore : bound).perSecond, 0)}% | ${run.errors} | ${fmt(run.cpuSecondsPerSignIn * 1000)} | ${run.storageOperationsPerSignIn === null ? '—' : fmt(run.storageOperationsPerSignIn)}${run.storageRoundTripsPerSignIn == null ? '' : ` (${fmt(run.storageRoundTripsPerSignIn)} round trips)`} | ${fmt(run.peakRssMb, 0)} | ${s('totp')} | ${s('token')} | ${at70('totp')}, ${at70('token')} | ${fmt(run.refresh.perSecond)} | ${fmt(run.refresh.p99)} | ${run.refresh.errors} |`,
  );
}
console.log('\nper step (p50 / p95 / p99 ms), peak load:');
for (const run of runs)
  console.log(
    `  ${run.name}: ${Object.entries(run.steps)
      .map(([step, v]) => `${step} ${fmt(v.p50)}/${fmt(v.p95)}/${fmt(v.p99)}`)
      .join(', ')}`,
  );
console.log('\nCPU ms per sign-in by thread (peak load):');
for (const run of runs)
  console.log(
    `  ${run.name}: ${Object.entries(run.cpuMsPerSignInByThread)
      .map(([kind, ms]) => `${kind} ${fmt(ms)}`)
      .join(', ')}`,
  );
console.log('\nrefresh-token grants: server CPU ms per grant (JS thread):');
for (const run of runs)
  if (run.refresh.grants) console.log(`  ${run.name}: ${fmt(run.refresh.cpuMsPerGrant, 2)} (${fmt(run.refresh.mainThreadMsPerGrant, 2)})`);
for (const run of runs) {
  const calls = run.storageCalls;
  if (!calls) continue;
  const total = Object.values(calls).reduce((a, b) => a + b, 0);
  // one password check per sign-in: operations per sign-in, where no refresh phase ran
  const signIns = calls['accounts.findByEmail.ok'] ?? 0;
  const perSignIn = process.env.BENCH_PEAK_ONLY && signIns ? ` (${fmt(total / signIns)} per sign-in)` : '';
  console.log(
    `  ${run.name}: ${total} storage operations in all phases${perSignIn}: ${Object.entries(calls)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
}
for (const run of runs) if (run.firstErrors.length) console.log(`  ${run.name} errors, e.g.: ${run.firstErrors.join(' | ')}`);
for (const run of runs)
  if (run.refresh.firstError)
    console.log(`  ${run.name} refresh errors (${run.refresh.errors} of ${run.refresh.tokens} tokens tried), e.g.: ${run.refresh.firstError}`);

const stepup = runs.find((run) => run.name.startsWith('Stepup'));
// BENCH_STEPUP=0: no ratios to print, the table above is the result
if (!stepup) process.exit(0);
const baseline = runs.find((run) => run.name.startsWith('baseline'));
const mongo = runs.find((run) => run.name.startsWith('Stepup, MongoDB'));
const keycloakDefault = runs.find((run) => run.name.includes('default hashing'));
const keycloak = runs.find((run) => run.name.includes("Stepup's argon2"));
const scaled = workersScaling ? runs[1] : undefined;
const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
const jsMs = (run: Run) => run.cpuMsPerSignInByThread.main ?? 0;
console.log('\nratios (same run, same machine):');
if (baseline) {
  console.log(`  Stepup / baseline sign-ins per second: ${ratio(stepup.signInsPerSecond, baseline.signInsPerSecond)}`);
  console.log(
    `  Stepup / baseline refresh grants per second: ${ratio(stepup.refresh.perSecond, baseline.refresh.perSecond)} (server CPU per grant ${ratio(stepup.refresh.cpuMsPerGrant, baseline.refresh.cpuMsPerGrant)}×)`,
  );
  console.log(`  JS thread per sign-in: Stepup ${fmt(jsMs(stepup))} ms, baseline ${fmt(jsMs(baseline))} ms`);
}
for (const run of [stepup, mongo].filter((r) => r?.ownStorageOperationsPerSignIn != null))
  console.log(`  ${run!.name}: Stepup's own storage operations per sign-in ${fmt(run!.ownStorageOperationsPerSignIn!)}`);
for (const kc of [keycloakDefault, keycloak].filter((run) => run !== undefined))
  console.log(
    `  Stepup / ${kc.name}: ${ratio(stepup.signInsPerSecond, kc.signInsPerSecond)}× the sign-ins per second, ${ratio(stepup.cpuSecondsPerSignIn, kc.cpuSecondsPerSignIn)}× the server CPU per sign-in`,
  );
if (scaled && boundOnEveryCore)
  console.log(
    `  ${scaled.name} / WORKERS=1 on one core: ${ratio(scaled.signInsPerSecond, stepup.signInsPerSecond)} (the argon2 bound: ${ratio(boundOnEveryCore.perSecond, bound.perSecond)})`,
  );

const outDir = join(root, 'data', 'bench');
mkdirSync(outDir, { recursive: true });
const file = join(outDir, `bench-${result.at.replace(/[:.]/g, '-')}.json`);
writeFileSync(file, JSON.stringify(result, null, 2));
console.log(`\nJSON: ${file}`);

// the last line, for a check to read: Stepup on SQLite against the baseline and Keycloak at Stepup's argon2 parameters
const round = (n: number) => Math.round(n * 100) / 100;
console.log(
  JSON.stringify({
    knownBrowsers,
    stepupPerSec: round(stepup.signInsPerSecond),
    baselinePerSec: baseline ? round(baseline.signInsPerSecond) : null,
    keycloakPerSec: keycloak ? round(keycloak.signInsPerSecond) : null,
    keycloakDefaultHashingPerSec: keycloakDefault ? round(keycloakDefault.signInsPerSecond) : null,
    ratioBaseline: baseline ? ratio(stepup.signInsPerSecond, baseline.signInsPerSecond) : null,
    ratioKeycloak: keycloak ? ratio(stepup.signInsPerSecond, keycloak.signInsPerSecond) : null,
    cpuMsPerSignIn: round(stepup.cpuSecondsPerSignIn * 1000),
    keycloakCpuMsPerSignIn: keycloak ? round(keycloak.cpuSecondsPerSignIn * 1000) : null,
    ratioWorkers: scaled ? ratio(scaled.signInsPerSecond, stepup.signInsPerSecond) : null,
    ratioArgon2BoundCores: boundOnEveryCore ? ratio(boundOnEveryCore.perSecond, bound.perSecond) : null,
    storageOpsPerSignIn: stepup.storageOperationsPerSignIn === null ? null : round(stepup.storageOperationsPerSignIn),
    baselineStorageOpsPerSignIn: baseline?.storageOperationsPerSignIn == null ? null : round(baseline.storageOperationsPerSignIn),
    // the MongoDB run's, beside its operations: each a command sent, so an operation that takes two counts two
    mongoStorageOpsPerSignIn: mongo?.storageOperationsPerSignIn == null ? null : round(mongo.storageOperationsPerSignIn),
    mongoRoundTripsPerSignIn: mongo?.storageRoundTripsPerSignIn == null ? null : round(mongo.storageRoundTripsPerSignIn),
    ownStorageOpsPerSignIn: stepup.ownStorageOperationsPerSignIn == null ? null : round(stepup.ownStorageOperationsPerSignIn),
    mongoOwnStorageOpsPerSignIn: mongo?.ownStorageOperationsPerSignIn == null ? null : round(mongo.ownStorageOperationsPerSignIn),
    jsThreadMsPerSignIn: round(jsMs(stepup)),
    baselineJsThreadMsPerSignIn: baseline ? round(jsMs(baseline)) : null,
    refreshPerSec: round(stepup.refresh.perSecond),
    baselineRefreshPerSec: baseline ? round(baseline.refresh.perSecond) : null,
    refreshRatioBaseline: baseline ? ratio(stepup.refresh.perSecond, baseline.refresh.perSecond) : null,
    refreshCpuMsPerGrant: round(stepup.refresh.cpuMsPerGrant),
    baselineRefreshCpuMsPerGrant: baseline ? round(baseline.refresh.cpuMsPerGrant) : null,
    refreshP99Ms: round(stepup.refresh.p99),
    baselineRefreshP99Ms: baseline ? round(baseline.refresh.p99) : null,
    p99TotpMs: stepup.at70PercentLoad.steps.totp ? round(stepup.at70PercentLoad.steps.totp.p99) : null,
    p99TokenMs: stepup.at70PercentLoad.steps.token ? round(stepup.at70PercentLoad.steps.token.p99) : null,
    mongoP99TotpMs: mongo?.at70PercentLoad.steps.totp ? round(mongo.at70PercentLoad.steps.totp.p99) : null,
    mongoP99TokenMs: mongo?.at70PercentLoad.steps.token ? round(mongo.at70PercentLoad.steps.token.p99) : null,
    keycloakDefaultHashingCpuMsPerSignIn: keycloakDefault ? round(keycloakDefault.cpuSecondsPerSignIn * 1000) : null,
    rssMb: round(stepup.peakRssMb),
    errors: runs.reduce((sum, run) => sum + run.errors, 0),
  }),
);
