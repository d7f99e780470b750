import { DatabaseSync } from 'node:sqlite';
import { workerData } from 'node:worker_threads';

// The thread of wal_checkpoints.ts. It loads nothing else of Stepup's.
const { path, intervalMs } = workerData as { path: string; intervalMs: number };
const db = new DatabaseSync(path);
// another process's checkpoint may hold the lock: wait a little, then try at the next tick
db.exec('PRAGMA busy_timeout = 100');
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
setInterval(() => {
  try {
    checkpoint.get();
  } catch (error) {
    if ((error as { errcode?: number }).errcode !== 5 /* SQLITE_BUSY */) throw error;
  }
}, intervalMs);
