import { existsSync, readdirSync, readFileSync } from 'node:fs';

/** CPU time and resident memory of a server process and its workers, read from /proc (Linux). */
const CLOCK_TICKS = 100;

const childrenOf = (pid: number): number[] => {
  const path = `/proc/${pid}/task/${pid}/children`;
  return existsSync(path) ? readFileSync(path, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number) : [];
};

/** The process and every descendant (cluster workers). */
export const processTree = (pid: number): number[] => [pid, ...childrenOf(pid).flatMap(processTree)];

/** utime + stime from a /proc stat file: the 12th and 13th fields after the command name. */
function cpuSecondsIn(statPath: string): number {
  try {
    const fields = readFileSync(statPath, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

const cpuSecondsOf = (pid: number) => cpuSecondsIn(`/proc/${pid}/stat`);

/**
 * Which kind of thread a thread is, by its name (/proc's, cut at 15 characters). Node's: the JS
 * thread, libuv's pool (argon2, file, crypto), V8's helpers (GC, compiler), worker threads (the
 * SQLite checkpoints). A JVM's (Keycloak): its JIT compilers, its collector and VM thread (where
 * a one-core JVM's serial collector runs), its request threads (Quarkus' executor, Vert.x).
 */
const threadKinds: [RegExp, string][] = [
  [/^(MainThread|node)$/, 'main'],
  [/^libuv-worker/, 'libuv pool'],
  [/^V8/, 'V8 helpers'],
  [/^WorkerThread/, 'worker threads'],
  [/CompilerThre/, 'JIT compilers'],
  [/^(GC Thread|G1 |VM Thread|VM Periodic)/, 'GC and VM'],
  [/^(executor-thread|vert\.x-)/, 'request threads'],
];
const threadKind = (name: string) => threadKinds.find(([pattern]) => pattern.test(name))?.[1] ?? 'other';

/** CPU seconds of the tree's threads, summed by kind. Threads that ended are not counted. */
export function cpuSecondsByThread(pid: number): Record<string, number> {
  const byKind: Record<string, number> = {};
  for (const p of processTree(pid)) {
    let tids: string[] = [];
    try {
      tids = readdirSync(`/proc/${p}/task`);
    } catch {
      /* gone */
    }
    for (const tid of tids) {
      let name = '';
      try {
        name = readFileSync(`/proc/${p}/task/${tid}/comm`, 'utf8').trim();
      } catch {
        continue;
      }
      const kind = threadKind(name);
      byKind[kind] = (byKind[kind] ?? 0) + cpuSecondsIn(`/proc/${p}/task/${tid}/stat`);
    }
  }
  return byKind;
}

function rssMbOf(pid: number): number {
  try {
    const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) / 1024 : 0;
  } catch {
    return 0;
  }
}

export const cpuSeconds = (pid: number) => processTree(pid).reduce((sum, p) => sum + cpuSecondsOf(p), 0);

/** Samples the largest RSS of any one process of the tree until stopped. */
export function watchPeakRss(pid: number, everyMs = 200) {
  let peak = 0;
  const sample = () => {
    for (const p of processTree(pid)) peak = Math.max(peak, rssMbOf(p));
  };
  const timer = setInterval(sample, everyMs);
  sample();
  return {
    stop: () => {
      clearInterval(timer);
      sample();
      return peak;
    },
  };
}
