import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { type IncomingMessage, Server, type ServerResponse } from 'node:http';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { loadConfig } from '../../src/config/load.ts';
import { freePort } from './free_port.ts';
import { placeOf } from './profile_places.ts';
import { BENCH_PASSWORD, type BenchAccount, type BenchClient, refresh, signIn } from './sign_in_flow.ts';

/**
 * The server's JavaScript thread, in CPU milliseconds per request, by request: where a sign-in's
 * JavaScript time goes, Stepup's beside the baseline's. Each server runs in a process of its
 * own, on its main thread; the bench's sign-in flow runs one request at a time from a worker
 * thread of that process, so the main thread's CPU time (process.threadCpuUsage) from a
 * request's arrival to the end of its response is that request's alone: argon2 runs on libuv's
 * pool, SQLite's checkpoints on a thread of their own, the client on its own thread. What the
 * main thread spent between requests (timers, work after a response) is printed too.
 * Four passes: first sign-ins from a browser, then the same accounts again (known browsers),
 * then refresh-token grants, each one request at a time, then first sign-ins of other
 * accounts 8 at a time, for what concurrency adds (that pass's total only: its requests
 * overlap). The first pass also warms the JIT, so compare the later ones.
 * With `--profile`, V8's CPU profile of each server's main thread over the known browsers' pass,
 * each sample put down to the request in flight: self time per request by package.
 * With MONGODB_URI set, a Stepup on MongoDB runs too.
 * Usage: node scripts/bench/js_by_request.ts [sign-ins per pass, default 200] [--profile]
 */
type Phase = 'first sign-ins' | 'known browsers' | 'refresh grants' | 'first sign-ins, 8 in flight';
const phases: Phase[] = ['first sign-ins', 'known browsers', 'refresh grants', 'first sign-ins, 8 in flight'];
/** The last pass's: requests overlap, so only the thread's total per sign-in means anything. */
const inFlight = 8;
interface Tally {
  requests: Record<string, { count: number; cpuMs: number }>;
  mainThreadMs: number;
  units: number;
  /** with --profile: µs of samples by request, then by package */
  profile?: Record<string, Record<string, number>>;
}
interface CpuProfile {
  nodes: { id: number; callFrame: { url: string; functionName: string } }[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
}
/** A request's time on the main thread, in µs of the clock V8's profiles use. */
interface Window {
  name: string;
  from: number;
  to: number;
}
const micros = () => Number(process.hrtime.bigint() / 1000n);

/** The profile's self time by the request in flight at each sample (else `between requests`), then by package. */
function byRequest(profile: CpuProfile, windows: Window[]): Record<string, Record<string, number>> {
  // V8's own entries and C++ reached from JavaScript (SQLite's statements, crypto) have no
  // script: they are named by function, `(garbage collector)`, `(program)`, `(idle)` among them
  const placeOfFrame = ({ url, functionName }: { url: string; functionName: string }) =>
    url ? placeOf(url) : functionName.startsWith('(') ? functionName : `native ${functionName}`;
  const placeById = new Map(profile.nodes.map((n) => [n.id, placeOfFrame(n.callFrame)]));
  const out: Record<string, Record<string, number>> = {};
  let at = profile.startTime;
  let w = 0;
  for (const [i, id] of profile.samples.entries()) {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    while (w < windows.length && windows[w]!.to < at) w += 1;
    const name = w < windows.length && windows[w]!.from <= at ? windows[w]!.name : 'between requests';
    out[name] ??= {};
    const place = placeById.get(id) ?? '?';
    out[name][place] = (out[name][place] ?? 0) + delta;
  }
  return out;
}
const redirectUri = 'http://127.0.0.1:9/callback';
const baselineTotpSecret = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const self = fileURLToPath(import.meta.url);

/** The load generator's thread: each pass waits for the server's go, so no request is counted in the wrong pass. */
async function generate() {
  const { client, accounts: all } = workerData as { client: BenchClient; accounts: BenchAccount[] };
  // the first half for the one-at-a-time passes, the second for the last pass's first sign-ins
  const accounts = all.slice(0, all.length / 2);
  const others = all.slice(all.length / 2);
  const ask = (message: unknown) =>
    new Promise<void>((resolve) => {
      parentPort!.once('message', () => resolve());
      parentPort!.postMessage(message);
    });
  const tokens: string[] = [];
  for (const phase of phases.slice(0, 2)) {
    await ask({ start: phase });
    for (const account of accounts) {
      const token = await signIn(client, account, () => undefined, Date.now);
      if (token && tokens.length < accounts.length) tokens.push(token);
    }
  }
  await ask({ start: 'refresh grants' });
  for (let i = 0; i < accounts.length; i += 1) await refresh(client, tokens[i % tokens.length]!);
  await ask({ start: 'first sign-ins, 8 in flight' });
  let next = 0;
  const signInsInTurn = async () => {
    while (next < others.length) await signIn(client, others[next++]!, () => undefined, Date.now);
  };
  await Promise.all(Array.from({ length: inFlight }, signInsInTurn));
  await ask({ start: null });
}

/** A request's name: its method and path, each id in the path as `:id`. */
const nameOf = (req: IncomingMessage) => `${req.method} ${(req.url ?? '').split('?')[0]!.replace(/\/[\w-]{16,}/g, '/:id')}`;

/** Runs one server on this thread and the generator beside it; prints each pass's tally as JSON. */
type ServerKind = 'stepup' | 'stepup-mongodb' | 'baseline';
async function serve(which: ServerKind, count: number, profiled: boolean) {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  let client: BenchClient;
  let accounts: BenchAccount[];
  let cleanUp = async () => undefined as unknown;
  if (which !== 'baseline') {
    const [{ dropRunDatabase, seedStepup, stepupEnv, unlimitedSettings }, { buildContainer }, { createApp }, { createLogger }] = await Promise.all([
      import('./seed.ts'),
      import('../../src/container.ts'),
      import('../../src/app.ts'),
      import('../../src/logger.ts'),
    ]);
    const dataDir = mkdtempSync(join(tmpdir(), 'stepup-js-'));
    const mongodbUri = which === 'stepup-mongodb' ? process.env.MONGODB_URI : undefined;
    const env = { ...stepupEnv(port, dataDir, mongodbUri), STEPUP_CONFIG: unlimitedSettings(dataDir) };
    const seeded = await seedStepup(env, 2 * count, redirectUri);
    const config = loadConfig({ ...process.env, ...env });
    const container = await buildContainer(config, createLogger(config));
    const { app } = await createApp(container);
    const server = app.listen(port, '127.0.0.1');
    client = { ...seeded.client, issuer };
    accounts = seeded.accounts;
    cleanUp = async () => {
      server.close();
      await container.close();
      rmSync(dataDir, { recursive: true, force: true });
      await dropRunDatabase(env);
    };
  } else {
    const { memoryKiB, timeCost, parallelism } = loadConfig({ ...process.env, LOG_LEVEL: 'silent' }).argon2;
    client = { clientId: 'baseline', clientSecret: 'baseline-secret-baseline-secret', redirectUri, issuer };
    const args = [port, memoryKiB, timeCost, parallelism, client.clientId, client.clientSecret, redirectUri, BENCH_PASSWORD, baselineTotpSecret];
    process.argv = [process.argv[0]!, join(import.meta.dirname, 'baseline_server.ts'), ...args.map(String)];
    await import('./baseline_server.ts');
    accounts = Array.from({ length: 2 * count }, (_, i) => ({ email: `baseline-${i}@example.com`, totpSecret: baselineTotpSecret }));
  }

  const tallies: Partial<Record<Phase, Tally>> = {};
  let current: Tally | null = null;
  const session = profiled ? new Session() : null;
  session?.connect();
  const windows: Window[] = [];
  const emit = Server.prototype.emit;
  Server.prototype.emit = function (this: Server, event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'request' && current) {
      const tally = current;
      const [req, res] = args as [IncomingMessage, ServerResponse];
      const started = process.threadCpuUsage();
      const from = micros();
      res.once('close', () => {
        const used = process.threadCpuUsage(started);
        const name = nameOf(req);
        windows.push({ name, from, to: micros() });
        tally.requests[name] ??= { count: 0, cpuMs: 0 };
        const entry = tally.requests[name];
        entry.count += 1;
        entry.cpuMs += (used.user + used.system) / 1000;
      });
    }
    return Reflect.apply(emit, this, [event, ...args]) as boolean;
  } as typeof emit;

  let passStarted = process.threadCpuUsage();
  const worker = new Worker(self, { workerData: { client, accounts } });
  await new Promise<void>((resolve, reject) => {
    worker.on('error', reject);
    worker.on('message', async ({ start }: { start: Phase | null }) => {
      if (current) {
        const used = process.threadCpuUsage(passStarted);
        current.mainThreadMs = (used.user + used.system) / 1000;
      }
      if (session && current === tallies['known browsers']) {
        const { profile } = await session.post('Profiler.stop');
        current!.profile = byRequest(profile as CpuProfile, windows);
      }
      if (session && start === 'known browsers') {
        windows.length = 0;
        await session.post('Profiler.enable');
        await session.post('Profiler.setSamplingInterval', { interval: 100 });
        await session.post('Profiler.start');
      }
      if (start === null) {
        current = null;
        worker.postMessage('done');
        resolve();
        return;
      }
      current = { requests: {}, mainThreadMs: 0, units: count };
      tallies[start] = current;
      passStarted = process.threadCpuUsage();
      worker.postMessage('go');
    });
  });
  await worker.terminate();
  session?.disconnect();
  await cleanUp();
  process.stdout.write(`${JSON.stringify(tallies)}\n`);
  process.exit(0);
}

/** Runs each server in a process of its own (Stepup on MongoDB too when MONGODB_URI is set) and prints them side by side. */
function compare(count: number, profiled: boolean) {
  const run = (which: string) => {
    const args = [self, '--server', which, String(count), ...(profiled ? ['--profile'] : [])];
    // with this process's Node flags: `node --max-semi-space-size=4 … js_by_request.ts` runs the servers as `npm start` does
    const out = execFileSync(process.execPath, [...process.execArgv, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
    return JSON.parse(out.trim().split('\n').at(-1)!) as Record<Phase, Tally>;
  };
  const servers: [string, Record<Phase, Tally>][] = [['Stepup', run('stepup')]];
  if (process.env.MONGODB_URI) servers.push(['Stepup, MongoDB', run('stepup-mongodb')]);
  servers.push(['baseline', run('baseline')]);
  const fmt = (n: number) => n.toFixed(2).padStart(7);
  for (const phase of phases) {
    const unit = phase === 'refresh grants' ? 'grant' : 'sign-in';
    const split = phase === 'first sign-ins, 8 in flight' ? '' : ', then per request';
    console.log(`\n${phase} (${count}; JavaScript thread, ms per ${unit}${split}):`);
    for (const [name, tallies] of servers) {
      const tally = tallies[phase];
      if (phase === 'first sign-ins, 8 in flight') {
        console.log(`  ${name.padEnd(15)} ${fmt(tally.mainThreadMs / tally.units)} in all`);
        continue;
      }
      const inRequests = Object.values(tally.requests).reduce((sum, r) => sum + r.cpuMs, 0);
      console.log(
        `  ${name.padEnd(15)} ${fmt(tally.mainThreadMs / tally.units)} in all, ${fmt(inRequests / tally.units)} in requests, ${fmt((tally.mainThreadMs - inRequests) / tally.units)} between them`,
      );
      for (const [request, r] of Object.entries(tally.requests))
        console.log(`    ${request.padEnd(44)} ${fmt(r.cpuMs / r.count)} ms × ${(r.count / tally.units).toFixed(1)}`);
    }
  }
  for (const [name, tallies] of servers) {
    const tally = tallies['known browsers'];
    if (!tally.profile) continue;
    console.log(`\n${name}, known browsers' pass, V8's profile (its sampling slows the pass): self time by request in flight, idle left out, ms per sign-in`);
    for (const [request, { '(idle)': idle = 0, ...places }] of Object.entries(tally.profile)) {
      const total = Object.values(places).reduce((a, b) => a + b, 0);
      const largest = Object.entries(places)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 8)
        .map(([place, us]) => `${place} ${(us / 1000 / count).toFixed(2)}`);
      console.log(`  ${request.padEnd(44)} ${fmt(total / 1000 / count)} (idle ${(idle / 1000 / count).toFixed(2)}): ${largest.join(', ')}`);
    }
  }
}

if (!isMainThread) await generate();
else if (process.argv[2] === '--server') await serve(process.argv[3] as ServerKind, Number(process.argv[4]), process.argv[5] === '--profile');
else {
  const args = process.argv.slice(2);
  compare(Number(args.find((a) => /^\d+$/.test(a)) ?? 200), args.includes('--profile'));
}
