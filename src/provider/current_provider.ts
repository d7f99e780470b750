import type Provider from 'oidc-provider';
import type { Clock } from '../clock.ts';
import type { KeyRingStore } from './key_ring_store.ts';
import { type ProviderKeys, providerKeysAt } from './keys.ts';

type Callback = ReturnType<Provider['callback']>;

/**
 * oidc-provider takes its keys when it is built, so when a rotation's schedule changes
 * what should be published or signed with, a new instance replaces the old one. Everything
 * it keeps lives in the store, so requests in flight and the next ones see the same state.
 */
export async function createCurrentProvider(build: (keys: ProviderKeys) => Provider, keyRing: KeyRingStore, clock: Clock) {
  const keysNow = async () => providerKeysAt(await keyRing.load(clock.now()), clock.now());
  let keys = await keysNow();
  let provider = build(keys);
  let callback: Callback = provider.callback();

  return {
    get provider() {
      return provider;
    },
    get keys() {
      return keys;
    },
    callback: ((req, res) => callback(req, res)) as Callback,
    /** Rebuilds when the keys to use have changed; true when it did. */
    async refresh(): Promise<boolean> {
      const next = await keysNow();
      if (next.fingerprint === keys.fingerprint) return false;
      keys = next;
      provider = build(keys);
      callback = provider.callback();
      return true;
    },
  };
}

export type CurrentProvider = Awaited<ReturnType<typeof createCurrentProvider>>;
