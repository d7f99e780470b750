import type { Clock } from '../clock.ts';
import type { ClientRecord } from '../model/client.ts';
import type { ClientStore } from './ports.ts';

/**
 * The client store with reads remembered for `ttlMs`: oidc-provider looks the client up on
 * nearly every request of a sign-in. Changes made through this store are seen at once; changes
 * made by another process (the CLI, another worker) within `ttlMs`. Unknown ids are not
 * remembered, so a client just added elsewhere is found on its first request.
 */
export function cachedClients(clients: ClientStore, clock: Clock, ttlMs: number): ClientStore {
  if (ttlMs <= 0) return clients;
  const maxEntries = 1000;
  const cache = new Map<string, { client: ClientRecord; until: number }>();

  return {
    ...clients,
    async find(clientId) {
      const hit = cache.get(clientId);
      if (hit && hit.until > clock.now()) return hit.client;
      const client = await clients.find(clientId);
      if (client) {
        if (cache.size >= maxEntries) cache.clear();
        cache.set(clientId, { client, until: clock.now() + ttlMs });
      } else {
        cache.delete(clientId);
      }
      return client;
    },
    async update(client) {
      const updated = await clients.update(client);
      cache.delete(client.clientId);
      return updated;
    },
    async remove(clientId) {
      const removed = await clients.remove(clientId);
      cache.delete(clientId);
      return removed;
    },
  };
}
