import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { systemClock } from '../src/clock.ts';
import { openSqliteStore } from '../src/store/sqlite/index.ts';
import { checkpointIntervalMs, startWalCheckpoints } from '../src/store/sqlite/wal_checkpoints.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'stepup-checkpoints-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The rows of a kind that the database file itself holds, without its write-ahead log. */
function rowsInTheFileAlone(path: string, kind: string): number {
  const copy = join(dir, 'without-wal.db');
  rmSync(`${copy}-wal`, { force: true });
  rmSync(`${copy}-shm`, { force: true });
  copyFileSync(path, copy);
  const db = new DatabaseSync(copy);
  try {
    // before the first checkpoint even the schema is in the log alone
    if (!db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'records'").get()) return 0;
    return Number((db.prepare('SELECT count(*) AS n FROM records WHERE kind = ?').get(kind) as { n: number }).n);
  } finally {
    db.close();
  }
}

test("the write-ahead log reaches the database file by the store's thread, a few records long before any commit's threshold", async () => {
  const path = join(dir, 'stepup.db');
  const store = openSqliteStore(path, systemClock);
  try {
    for (let i = 0; i < 3; i++) await store.records.upsert('Session', `session-${i}`, { i }, null);
    // far under the commits' own threshold (10,000 pages): only the thread copies them
    const deadline = Date.now() + 10 * checkpointIntervalMs;
    while (rowsInTheFileAlone(path, 'Session') < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(rowsInTheFileAlone(path, 'Session')).toBe(3);
  } finally {
    await store.close();
  }
});

test('a checkpoint thread that cannot open its file says so, and nothing else stops', async () => {
  const warned = new Promise<string>((resolve) => {
    startWalCheckpoints(join(dir, 'no such folder', 'stepup.db'), { warn: (_details: unknown, message: string) => resolve(message) });
  });
  expect(await warned).toBe('the WAL checkpoint thread stopped; SQLite checkpoints in the commits again');
});
