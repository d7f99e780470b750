import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { openMongoStore } from '../../src/store/mongo/index.ts';
import type { Store } from '../../src/store/ports.ts';
import { openSqliteStore } from '../../src/store/sqlite/index.ts';
import { TestClock } from './clock.ts';
import { dropDatabase, freshDatabaseUri, mongoTestServerName } from './mongodb_server.ts';

export interface StoreUnderTest {
  store: Store;
  clock: TestClock;
  dispose(): Promise<void>;
}

/** Every store adapter the contract suite runs against. */
export const storeAdapters: [string, () => Promise<StoreUnderTest>][] = [
  [
    'sqlite',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'stepup-store-'));
      const clock = new TestClock();
      const store = openSqliteStore(join(dir, 'stepup.db'), clock);
      return {
        store,
        clock,
        async dispose() {
          await store.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  ],
  [
    `mongodb (${mongoTestServerName()})`,
    async () => {
      const uri = freshDatabaseUri('stepup_contract');
      const clock = new TestClock();
      const store = await openMongoStore(uri, clock, pino({ level: 'silent' }));
      return {
        store,
        clock,
        async dispose() {
          await store.close();
          await dropDatabase(uri);
        },
      };
    },
  ],
];
