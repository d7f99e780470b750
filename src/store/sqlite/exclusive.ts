import type { DatabaseSync } from 'node:sqlite';

/**
 * One connection serves every request of the process, and a transaction's work awaits
 * between its statements: another request's statement run in between would join the
 * transaction, and be undone should it roll back. So while a transaction is open every other
 * port call of the process waits for it; BEGIN IMMEDIATE keeps other processes out.
 */
export function createExclusive(db: DatabaseSync) {
  let running: Promise<unknown> | null = null;

  const settled = (promise: Promise<unknown>) =>
    promise.then(
      () => undefined,
      () => undefined,
    );

  return {
    /** Runs `work` in a transaction, alone on the connection. */
    async transaction<T>(work: () => Promise<T>): Promise<T> {
      // checked again after every wait, and taken in the same step as the last check
      while (running) await settled(running);
      const done = (async () => {
        db.exec('BEGIN IMMEDIATE');
        try {
          const result = await work();
          db.exec('COMMIT');
          return result;
        } catch (error) {
          // some errors end the transaction themselves
          if (db.isTransaction) db.exec('ROLLBACK');
          throw error;
        }
      })();
      running = done;
      try {
        return await done;
      } finally {
        // a waiter may have started the next one already
        if (running === done) running = null;
      }
    },

    /** The same ports, each call waiting while a transaction runs. */
    waiting<P extends object>(ports: P): P {
      const waiting: Record<string, unknown> = {};
      for (const [name, method] of Object.entries(ports)) {
        if (typeof method !== 'function') continue;
        waiting[name] = async (...args: unknown[]) => {
          while (running) await settled(running);
          return (method as (...a: unknown[]) => unknown).apply(ports, args);
        };
      }
      return waiting as P;
    },
  };
}
