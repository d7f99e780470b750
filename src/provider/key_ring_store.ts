import { createHash } from 'node:crypto';
import type { JWK } from 'oidc-provider';
import type { Cipher } from '../security/cipher.ts';
import type { SettingStore } from '../store/ports.ts';
import { type KeyRing, newKeys, type ScheduledKey } from './keys.ts';

const settingKey = 'oidc.keys';

/** A key as stored: its schedule in clear, its private JWK or cookie secret encrypted. */
type SealedKey = ScheduledKey & { sealed: string };

interface SealedRing {
  signing: SealedKey[];
  cookie: SealedKey[];
}

/** What older versions stored: the ring in clear, or, before keys had schedules, bare key lists. */
type ClearRing = KeyRing | { jwks: { keys: (JWK & { kid: string })[] }; cookieKeys: string[] };

const isSealed = (stored: SealedRing | ClearRing): stored is SealedRing =>
  'signing' in stored && [...stored.signing, ...stored.cookie].every((key) => 'sealed' in key);

/** Rings written before keys had schedules: every key active since the beginning. */
function upgrade(stored: ClearRing): KeyRing {
  if ('signing' in stored) return stored;
  return {
    signing: stored.jwks.keys.map((jwk) => ({ kid: jwk.kid, jwk, createdAt: 0, activatesAt: 0, retiresAt: null })),
    cookie: stored.cookieKeys.map((secret) => ({
      kid: createHash('sha256').update(secret).digest('base64url').slice(0, 8),
      secret,
      createdAt: 0,
      activatesAt: 0,
      retiresAt: null,
    })),
  };
}

/**
 * The key ring in the settings store, its private parts encrypted with the at-rest key like
 * every other secret: a copy of the database cannot sign tokens or cookies.
 */
export function createKeyRingStore(settings: SettingStore, cipher: Cipher) {
  const seal = (ring: KeyRing): SealedRing => ({
    signing: ring.signing.map(({ jwk, ...key }) => ({ ...key, sealed: cipher.encrypt(JSON.stringify(jwk)) })),
    cookie: ring.cookie.map(({ secret, ...key }) => ({ ...key, sealed: cipher.encrypt(secret) })),
  });
  const open = (ring: SealedRing): KeyRing => ({
    signing: ring.signing.map(({ sealed, ...key }) => ({ ...key, jwk: JSON.parse(cipher.decrypt(sealed)) as JWK })),
    cookie: ring.cookie.map(({ sealed, ...key }) => ({ ...key, secret: cipher.decrypt(sealed) })),
  });
  const save = (ring: KeyRing) => settings.put(settingKey, seal(ring));

  return {
    /**
     * The stored ring, created by the first process that needs it. A ring an older version
     * stored in clear is stored again, sealed, by the first process to read it (at its
     * start), with the same keys: tokens and sessions stay valid.
     */
    async load(now: number): Promise<KeyRing> {
      const stored =
        (await settings.get<SealedRing | ClearRing>(settingKey)) ?? (await settings.putIfAbsent<SealedRing | ClearRing>(settingKey, seal(newKeys(now, now))));
      if (isSealed(stored)) return open(stored);
      const ring = upgrade(stored);
      await save(ring);
      return ring;
    },
    save,

    /** true when an older version left the ring in clear (and so, maybe, records in clear). */
    async storedInClear(): Promise<boolean> {
      const stored = await settings.get<SealedRing | ClearRing>(settingKey);
      return stored !== null && !isSealed(stored);
    },
  };
}

export type KeyRingStore = ReturnType<typeof createKeyRingStore>;
