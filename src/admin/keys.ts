import { z } from 'zod';
import type { RecordAudit } from '../audit/audit.ts';
import type { Clock } from '../clock.ts';
import type { Config } from '../config/schema.ts';
import type { KeyRingStore } from '../provider/key_ring_store.ts';
import { type KeyState, live, rotateKeyRing, type ScheduledKey, stateOf } from '../provider/keys.ts';
import { type AdminActor, auditAdminChange } from './actor.ts';
import { parseInput } from './input.ts';

/** A key on the ring, with where it stands in its schedule now. */
export interface KeyInUse {
  use: 'signing' | 'cookie';
  kid: string;
  alg: string | null;
  state: KeyState;
  createdAt: number;
  activatesAt: number;
  retiresAt: number | null;
}

export const rotateKeysSchema = z.strictObject({
  activateInSeconds: z
    .number()
    .int()
    .min(0)
    .max(30 * 86_400)
    .optional()
    .describe('how long the new keys are published before they sign; default keys.publishAheadSeconds'),
});

/** Signing and cookie keys: list them, rotate them. Used by the CLI and the admin API. */
export function createKeyAdmin(keyRing: KeyRingStore, config: Config, clock: Clock, audit: RecordAudit) {
  const summarize = (use: KeyInUse['use'], key: ScheduledKey, group: ScheduledKey[], alg: string | null): KeyInUse => ({
    use,
    kid: key.kid,
    alg,
    state: stateOf(key, group, clock.now()),
    createdAt: key.createdAt,
    activatesAt: key.activatesAt,
    retiresAt: key.retiresAt,
  });

  const list = async (): Promise<KeyInUse[]> => {
    const now = clock.now();
    const ring = await keyRing.load(now);
    const signing = live(ring.signing, now);
    return [
      ...signing.map((k) =>
        summarize(
          'signing',
          k,
          signing.filter((o) => o.jwk.alg === k.jwk.alg),
          k.jwk.alg ?? null,
        ),
      ),
      ...live(ring.cookie, now).map((k, _i, cookies) => summarize('cookie', k, cookies, null)),
    ];
  };

  return {
    list,
    /** New keys are published now and sign once every process and relying party has seen them. */
    async rotate(input: z.input<typeof rotateKeysSchema> = {}, by?: AdminActor): Promise<KeyInUse[]> {
      const { activateInSeconds } = parseInput(rotateKeysSchema, input, 'rotation');
      const now = clock.now();
      const rotated = rotateKeyRing(await keyRing.load(now), now, {
        publishAheadMs: (activateInSeconds ?? config.keys.publishAheadSeconds) * 1000,
        // a retired key must outlive every token it signed, an API's JWT access tokens too
        signingRetireAfterMs: Math.max(config.ttl.idTokenSeconds, config.ttl.accessTokenSeconds, ...apiTokenSeconds(config)) * 1000,
        cookieRetireAfterMs: config.ttl.sessionSeconds * 1000,
      });
      await keyRing.save(rotated);
      await auditAdminChange(audit, by, { detail: 'keys rotated' });
      return list();
    },
  };
}

export type KeyAdmin = ReturnType<typeof createKeyAdmin>;

const apiTokenSeconds = (config: Config) => Object.values(config.resourceServers).map((server) => server.accessTokenSeconds ?? 0);
