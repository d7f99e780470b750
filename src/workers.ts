import cluster from 'node:cluster';
import { readdirSync, readFileSync } from 'node:fs';
import { access } from 'node:fs/promises';
import { availableParallelism, getPriority, setPriority } from 'node:os';
import type { Logger } from 'pino';
import type { Config } from './config/schema.ts';

/**
 * Runs `config.workers` server processes on one port (Node's cluster). Everything they
 * share (sessions, counters, keys) is in the store, so any worker can serve any request.
 * The primary only supervises: it replaces a worker that dies and passes SIGTERM on.
 */
export function superviseWorkers(config: Config, logger: Logger) {
  let stopping = false;
  const fork = () => cluster.fork();
  for (let i = 0; i < config.workers; i += 1) fork();
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    logger.error({ pid: worker.process.pid, code, signal }, 'a worker died; starting another');
    fork();
  });
  const stop = (signal: NodeJS.Signals) => {
    stopping = true;
    logger.info({ signal, workers: config.workers }, 'shutting down the workers');
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

export const isWorkerProcess = () => cluster.isWorker;

/** The cores one worker may use: its share of those this process may run on. */
export const coresPerWorker = (workers: number) => Math.max(1, Math.floor(availableParallelism() / workers));

/**
 * Password hashing runs on libuv's thread pool, one hash per core at a time (see the hasher):
 * hashes taking turns on a core cost more and hold more memory. The pool gets one thread more,
 * so file and crypto work (ID-token signatures) never wait behind a hash. Must be set before
 * the pool starts; an operator's UV_THREADPOOL_SIZE wins.
 */
export function sizeThreadPool(workers: number) {
  process.env.UV_THREADPOOL_SIZE ??= String(coresPerWorker(workers) + 1);
}

/** How much nicer libuv's pool threads are than the JavaScript thread in a server process. */
export const poolNice = 10;

/**
 * Password hashing gives way to requests: libuv's pool threads, where argon2 runs, get a lower
 * priority than the JavaScript thread. On a core shared by both, hashes ran inside the thread's
 * request turns and left it cold caches (argon2 fills 19 MiB): about 3 ms more JavaScript per
 * sign-in under load (docs/performance.md, 2026-12-07, 18:00). Hashing does the same work, only
 * later. Linux only, where each thread has a nice value of its own; elsewhere nothing changes.
 * Only `npm start`'s process does this, never a plugin's host, whose pool is its own. Answers
 * how many threads it lowered.
 */
export async function lowerPoolPriority(): Promise<number> {
  if (process.platform !== 'linux') return 0;
  // a job on the pool: libuv starts all of its threads at the first one
  await access('/proc/self/task');
  // relative to the thread's own, so an operator's `nice` is kept (19 is the lowest priority)
  const nice = Math.min(19, getPriority() + poolNice);
  let lowered = 0;
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      if (!readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').startsWith('libuv-worker')) continue;
      setPriority(Number(tid), nice);
      lowered += 1;
    } catch {
      // a thread that ended meanwhile, or a system that refuses: the pool keeps its priority
    }
  }
  return lowered;
}
