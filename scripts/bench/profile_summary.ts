import { readFileSync } from 'node:fs';
import { placeOf } from './profile_places.ts';

/**
 * Self time per function and per package from a V8 .cpuprofile: where a server's CPU went.
 * `--last SECONDS`: only the samples of the profile's last SECONDS but one (the bench's refresh
 * phase, with BENCH_REFRESH_SECONDS, is the end of a server's life), so one request type can
 * be read apart from the sign-ins before it.
 */
interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
const [file, flag, seconds] = process.argv.slice(2);
const profile = JSON.parse(readFileSync(file!, 'utf8')) as { nodes: Node[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number };
const from = flag === '--last' ? profile.endTime - Number(seconds) * 1e6 : -Infinity;
const to = flag === '--last' ? profile.endTime - 1e6 : Infinity;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map<number, number>();
let at = profile.startTime;
for (const [i, id] of profile.samples.entries()) {
  at += profile.timeDeltas[i] ?? 0;
  if (at >= from && at <= to) self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
}
const total = [...self.values()].reduce((a, b) => a + b, 0);

const functions = new Map<string, number>();
const packages = new Map<string, number>();
for (const [id, us] of self) {
  const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
  const key = `${functionName || '(anonymous)'} ${url.split('/').slice(-2).join('/')}:${lineNumber}`;
  functions.set(key, (functions.get(key) ?? 0) + us);
  packages.set(placeOf(url), (packages.get(placeOf(url)) ?? 0) + us);
}
const top = (m: Map<string, number>, n: number) =>
  [...m]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, us]) => `${(us / 1000).toFixed(0).padStart(7)} ms ${((100 * us) / total).toFixed(1).padStart(5)}%  ${k}`)
    .join('\n');
console.log(`total ${(total / 1000).toFixed(0)} ms\n\nby package:\n${top(packages, 25)}\n\nby function (self time):\n${top(functions, 40)}`);
