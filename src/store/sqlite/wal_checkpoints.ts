import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

/** Where the thread says why it stopped. */
export interface WarningLogger {
  warn(details: object, message: string): void;
}

/** How often the checkpointing thread copies the log's pages into the database file. */
export const checkpointIntervalMs = 500;

/**
 * Copies the write-ahead log into the database file on a thread of its own, through a
 * connection of its own. Left to SQLite, a checkpoint runs inside whichever commit crosses
 * the log's threshold: that request's thread copies megabytes and waits for the syncs while
 * every other request of the process waits behind it. A passive checkpoint never blocks a
 * writer. The main connection keeps its automatic checkpoint as a backstop, should the thread
 * fail (it logs why) or fall behind.
 */
export function startWalCheckpoints(path: string, logger: WarningLogger): { stop(): Promise<void> } {
  // the thread's module has this module's extension: .ts from the sources, .js when built
  const thread = new URL(`./wal_checkpoints_thread${extname(fileURLToPath(import.meta.url))}`, import.meta.url);
  const worker = new Worker(thread, { workerData: { path, intervalMs: checkpointIntervalMs } });
  worker.on('error', (error) => logger.warn({ err: error }, 'the WAL checkpoint thread stopped; SQLite checkpoints in the commits again'));
  // it keeps no process alive that is otherwise done (a CLI command)
  worker.unref();
  return {
    async stop() {
      await worker.terminate();
    },
  };
}
