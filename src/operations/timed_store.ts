import type { Store } from '../store/ports.ts';
import type { Metrics } from './metrics.ts';

const ports = ['accounts', 'clients', 'factors', 'recoveryCodes', 'issuedCodes', 'deliveries', 'counters', 'lockouts', 'audit', 'records', 'settings'] as const;

/** The same store, with every port call timed into the storage latency histogram. */
export function timedStore(store: Store, metrics: Metrics): Store {
  const timed = { ...store, ping: () => store.ping(), close: () => store.close(), roundTrips: () => store.roundTrips() } as Store;
  for (const port of ports) {
    const target = store[port] as unknown as Record<string, unknown>;
    const wrapped: Record<string, unknown> = {};
    for (const [name, method] of Object.entries(target)) {
      if (typeof method !== 'function') continue;
      wrapped[name] = async (...args: unknown[]) => {
        const end = metrics.storage.startTimer({ operation: `${port}.${name}` });
        try {
          const result: unknown = await (method as (...a: unknown[]) => unknown).apply(target, args);
          end({ outcome: 'ok' });
          return result;
        } catch (error) {
          end({ outcome: 'error' });
          throw error;
        }
      };
    }
    (timed as unknown as Record<string, unknown>)[port] = wrapped;
  }
  return timed;
}
