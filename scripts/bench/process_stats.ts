import { existsSync, readFileSync } from 'node:fs';

/** CPU time and resident memory of a server process and its workers, read from /proc (Linux). */
const CLOCK_TICKS = 100;

const childrenOf = (pid: number): number[] => {
  const path = `/proc/${pid}/task/${pid}/children`;
  return existsSync(path) ? readFileSync(path, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number) : [];
};

/** The process and every descendant (cluster workers). */
export const processTree = (pid: number): number[] => [pid, ...childrenOf(pid).flatMap(processTree)];

function cpuSecondsOf(pid: number): number {
  try {
    // fields after the command name: utime and stime are the 12th and 13th
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return 0;
  }
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
