import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { poolNice } from '../src/workers.ts';

// A server process lowers the priority of libuv's pool threads, where argon2 runs, so that
// requests go first on a shared core (workers.ts). Checked in a process of its own: the
// threads' nice values as Linux shows them in /proc, the pool's and the JavaScript thread's.
const workers = resolve(import.meta.dirname, '../src/workers.ts');
const probe = `
import { readdirSync, readFileSync } from 'node:fs';
import { lowerPoolPriority } from ${JSON.stringify(workers)};
const lowered = await lowerPoolPriority();
const threads = readdirSync('/proc/self/task').map((tid) => {
  const stat = readFileSync('/proc/self/task/' + tid + '/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { name: readFileSync('/proc/self/task/' + tid + '/comm', 'utf8').trim(), main: Number(tid) === process.pid, nice: Number(fields[16]) };
});
console.log(JSON.stringify({ lowered, threads }));
`;

const onLinux = process.platform === 'linux';
(onLinux ? test : test.skip)(
  onLinux
    ? 'the pool threads run at a lower priority than the JavaScript thread'
    : 'pool priority: skipped, a thread has a nice value of its own on Linux only',
  () => {
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', probe], { encoding: 'utf8', env: { ...process.env, UV_THREADPOOL_SIZE: '3' } });
    const { lowered, threads } = JSON.parse(out) as { lowered: number; threads: { name: string; main: boolean; nice: number }[] };
    const pool = threads.filter((t) => t.name.startsWith('libuv-worker'));
    expect(pool).toHaveLength(3);
    expect(lowered).toBe(3);
    expect(pool.map((t) => t.nice)).toEqual([poolNice, poolNice, poolNice]);
    expect(threads.find((t) => t.main)?.nice).toBe(0);
  },
);
