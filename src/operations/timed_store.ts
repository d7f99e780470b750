import { AsyncLocalStorage } from 'node:async_hooks';
import type { Store } from '../store/ports.ts';
import type { Metrics } from './metrics.ts';

const ports = ['accounts', 'clients', 'factors', 'recoveryCodes', 'issuedCodes', 'deliveries', 'counters', 'lockouts', 'audit', 'records', 'settings'] as const;

/** oidc-provider's models, whose records it reads and writes through its adapter. */
const providerKinds = new Set([
  'Session',
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'ClientCredentials',
  'InitialAccessToken',
  'RegistrationAccessToken',
  'Interaction',
  'ReplayDetection',
  'PushedAuthorizationRequest',
  'Grant',
]);

const onProvidersBehalf = new AsyncLocalStorage<true>();

/** Runs `work` for oidc-provider (its findAccount): the storage operations it makes count as oidc-provider's. */
export const forProvider = <T>(work: () => Promise<T>): Promise<T> => onProvidersBehalf.run(true, work);

/**
 * Whose an operation is, for the count of Stepup's own per sign-in: a record's by its kind, a
 * read or write of several records oidc-provider's when one of them is (what Stepup's rides
 * along with costs no operation of its own), a client's oidc-provider's, anything else Stepup's.
 */
function ownerOf(port: string, method: string, args: unknown[]): 'oidc-provider' | 'stepup' {
  if (onProvidersBehalf.getStore()) return 'oidc-provider';
  if (port === 'clients' && method === 'find') return 'oidc-provider';
  if (port !== 'records') return 'stepup';
  const [first] = args;
  const kinds = typeof first === 'string' ? [first] : Array.isArray(first) ? first.map((key: { kind?: string }) => key.kind) : [];
  return kinds.some((kind) => kind !== undefined && providerKinds.has(kind)) ? 'oidc-provider' : 'stepup';
}

/**
 * The same store, with every port call timed into the storage latency histogram and counted
 * by whose it is. Each operation's series is looked up once, not at every call.
 */
export function timedStore(store: Store, metrics: Metrics): Store {
  const timed = { ...store, ping: () => store.ping(), close: () => store.close(), roundTrips: () => store.roundTrips() } as Store;
  const owners = { stepup: metrics.storageOwners.labels('stepup'), 'oidc-provider': metrics.storageOwners.labels('oidc-provider') };
  for (const port of ports) {
    const target = store[port] as unknown as Record<string, unknown>;
    const wrapped: Record<string, unknown> = {};
    for (const [name, method] of Object.entries(target)) {
      if (typeof method !== 'function') continue;
      const operation = `${port}.${name}`;
      // looked up at the first call, so /metrics shows only the operations made
      let ok: ReturnType<typeof metrics.storage.labels> | undefined;
      let failed: typeof ok;
      wrapped[name] = async (...args: unknown[]) => {
        owners[ownerOf(port, name, args)].inc();
        const started = performance.now();
        try {
          const result: unknown = await (method as (...a: unknown[]) => unknown).apply(target, args);
          ok ??= metrics.storage.labels(operation, 'ok');
          ok.observe((performance.now() - started) / 1000);
          return result;
        } catch (error) {
          failed ??= metrics.storage.labels(operation, 'error');
          failed.observe((performance.now() - started) / 1000);
          throw error;
        }
      };
    }
    (timed as unknown as Record<string, unknown>)[port] = wrapped;
  }
  return timed;
}
