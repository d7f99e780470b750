import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config/load.ts';
import { buildContainer } from '../../src/container.ts';
import { createLogger } from '../../src/logger.ts';
import { freePort } from './free_port.ts';
import { dropRunDatabase, seedStepup, stepupEnv } from './seed.ts';
import { refresh, signIn } from './sign_in_flow.ts';

/**
 * Storage operations of complete sign-ins, by request and by store method: the bench's flow
 * against a Stepup in this process (SQLite, or MongoDB when MONGODB_URI is set). The first
 * sign-in comes from a new browser, the later ones from a known one. On MongoDB each count is
 * followed by the round trips (commands sent) it took, which an operation that needs a second
 * command (an account's first lockout attempt, a counter whose window ended) shows.
 * Then two refresh-token grants with the last sign-in's refresh token.
 * Usage: node scripts/bench/storage_ops.ts [sign-ins, default 3]
 */
const rounds = Number(process.argv[2] ?? 3);
const port = await freePort();
const dataDir = mkdtempSync(join(tmpdir(), 'stepup-ops-'));
const env = stepupEnv(port, dataDir, process.env.MONGODB_URI);
const { accounts, client } = await seedStepup(env, 1, 'http://127.0.0.1:9/callback');
const config = loadConfig({ ...process.env, ...env });
// a clock moved on 30 s between sign-ins, so each has a TOTP step of its own
let offsetMs = 0;
const clock = { now: () => Date.now() + offsetMs };
const container = await buildContainer(config, createLogger(config), clock);
const { app } = await createApp(container);
const server = app.listen(port, '127.0.0.1');

const counts = async () => {
  const out = new Map<string, number>();
  for (const v of (await container.metrics.storage.get()).values)
    if (v.metricName?.endsWith('_count')) out.set(String(v.labels.operation), (out.get(String(v.labels.operation)) ?? 0) + v.value);
  return out;
};
let last = await counts();
// MongoDB: commands sent, each a round trip (null on SQLite, in the process)
const roundTrips = () => container.store.roundTrips();
let lastRoundTrips = roundTrips();
const byRequest: [string, Map<string, number>, number | null][] = [];
const fetchItself = globalThis.fetch;
globalThis.fetch = async (input, init) => {
  const response = await fetchItself(input, init);
  const body = await response.arrayBuffer();
  const now = await counts();
  const diff = new Map([...now].map(([k, v]) => [k, v - (last.get(k) ?? 0)]).filter(([, v]) => (v as number) > 0) as [string, number][]);
  last = now;
  const sent = roundTrips();
  const trips = sent === null || lastRoundTrips === null ? null : sent - lastRoundTrips;
  lastRoundTrips = sent;
  const url = new URL(String(input instanceof Request ? input.url : input));
  byRequest.push([`${init?.method ?? 'GET'} ${url.pathname.replace(/\/interaction\/[^/]+/, '/interaction/:uid')}`, diff, trips]);
  return new Response(body, { status: response.status, headers: response.headers });
};

/** The storage operations of the requests since `byRequest` was emptied, by request. */
function report(title: string) {
  const total = byRequest.reduce((sum, [, d]) => sum + [...d.values()].reduce((a, b) => a + b, 0), 0);
  const trips = byRequest.every(([, , t]) => t !== null) ? byRequest.reduce((sum, [, , t]) => sum + (t ?? 0), 0) : null;
  const tripsText = (n: number | null) => (n === null ? '' : `, ${n} round trip${n === 1 ? '' : 's'}`);
  console.log(`\n${title}: ${total} storage operations${tripsText(trips)}`);
  for (const [request, diff, t] of byRequest)
    console.log(
      `  ${request}: ${[...diff.values()].reduce((a, b) => a + b, 0)}${tripsText(t)}  ${[...diff].map(([k, v]) => `${k}${v > 1 ? `×${v}` : ''}`).join(', ')}`,
    );
}

let refreshToken: string | null = null;
for (let round = 0; round < rounds; round += 1) {
  byRequest.length = 0;
  const account = accounts[0]!;
  offsetMs = round * 30_000;
  refreshToken = await signIn({ ...client, issuer: env.ISSUER }, account, () => undefined, clock.now);
  report(`sign-in ${round + 1} (${round === 0 ? 'new browser' : 'known browser'})`);
}
// refresh-token grants, as the bench's refresh phase makes them (the same token again and again)
for (let round = 0; round < 2 && refreshToken; round += 1) {
  byRequest.length = 0;
  await refresh({ ...client, issuer: env.ISSUER }, refreshToken);
  report(`refresh-token grant ${round + 1}`);
}
globalThis.fetch = fetchItself;
server.close();
await container.close();
rmSync(dataDir, { recursive: true, force: true });
await dropRunDatabase(env);
