import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
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
