import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import type { JWK } from 'oidc-provider';

/**
 * Signing keys and cookie keys live in the store, so every process shares them and a
 * restart logs nobody out (key_ring_store.ts). Each key has a schedule: from `activatesAt`
 * it signs; before that it is only published (JWKS) or only accepted (cookies), so every
 * process and every relying party knows it before it is used; after `retiresAt` it is gone.
 */
export interface ScheduledKey {
  kid: string;
  createdAt: number;
  activatesAt: number;
  retiresAt: number | null;
}

export interface SigningKeyEntry extends ScheduledKey {
  jwk: JWK;
}

export interface CookieKeyEntry extends ScheduledKey {
  secret: string;
}

export interface KeyRing {
  signing: SigningKeyEntry[];
  cookie: CookieKeyEntry[];
}

/** What one oidc-provider instance is built with at a given moment. */
export interface ProviderKeys {
  jwks: { keys: JWK[] };
  cookieKeys: string[];
  /** changes whenever the published or signing keys change */
  fingerprint: string;
}

export type KeyState = 'pending' | 'active' | 'retiring';

/** RS256 first: the algorithm clients get unless they ask for another. */
const signingAlgs = ['RS256', 'ES256'] as const;

function newSigningKey(alg: (typeof signingAlgs)[number]): JWK & { kid: string } {
  const { privateKey } = alg === 'RS256' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { ...(privateKey.export({ format: 'jwk' }) as JWK), kid: randomBytes(8).toString('base64url'), alg, use: 'sig' };
}

/** A signing key per algorithm and a cookie key, all signing from `activatesAt`. */
export function newKeys(now: number, activatesAt: number): KeyRing {
  return {
    signing: signingAlgs.map((alg) => {
      const jwk = newSigningKey(alg);
      return { kid: jwk.kid, jwk, createdAt: now, activatesAt, retiresAt: null };
    }),
    cookie: [{ kid: randomBytes(6).toString('base64url'), secret: randomBytes(32).toString('base64url'), createdAt: now, activatesAt, retiresAt: null }],
  };
}

/** The newest key of the group that has activated; pending and retiring keys do not sign. */
function activeOf<K extends ScheduledKey>(keys: K[], now: number): K | undefined {
  return keys.filter((k) => k.activatesAt <= now).sort((a, b) => b.activatesAt - a.activatesAt || b.createdAt - a.createdAt)[0];
}

/** Keys not yet retired. */
export const live = <K extends ScheduledKey>(keys: K[], now: number) => keys.filter((k) => k.retiresAt === null || k.retiresAt > now);

export function stateOf(key: ScheduledKey, group: ScheduledKey[], now: number): KeyState {
  if (key.activatesAt > now) return 'pending';
  return activeOf(group, now) === key ? 'active' : 'retiring';
}

/** The keys to build oidc-provider with now: active keys first; the others may only verify. */
export function providerKeysAt(ring: KeyRing, now: number): ProviderKeys {
  const signing = live(ring.signing, now);
  const jwks: JWK[] = [];
  for (const alg of signingAlgs) {
    const group = signing.filter((k) => k.jwk.alg === alg);
    const active = activeOf(group, now);
    if (active) jwks.push(active.jwk);
    for (const key of group) if (key !== active) jwks.push({ ...key.jwk, key_ops: ['verify'] });
  }
  const cookies = live(ring.cookie, now);
  const activeCookie = activeOf(cookies, now);
  const cookieKeys = [activeCookie, ...cookies.filter((k) => k !== activeCookie)].filter((k) => k !== undefined).map((k) => k.secret);
  const fingerprint = createHash('sha256')
    .update(JSON.stringify([jwks.map((k) => [k.kid, k.key_ops]), cookieKeys]))
    .digest('base64url');
  return { jwks: { keys: jwks }, cookieKeys, fingerprint };
}

export interface RotationTimes {
  /** how long new keys are published (or accepted) before they sign */
  publishAheadMs: number;
  /** how long a replaced signing key stays published: the longest signed-token lifetime */
  signingRetireAfterMs: number;
  /** how long a replaced cookie key is still accepted: the longest session */
  cookieRetireAfterMs: number;
}

/**
 * Adds new keys that sign from `now + publishAheadMs`, and schedules the keys they replace
 * to retire once every token or cookie they signed has expired. Retired keys are dropped.
 */
export function rotateKeyRing(ring: KeyRing, now: number, times: RotationTimes): KeyRing {
  const activatesAt = now + times.publishAheadMs;
  const fresh = newKeys(now, activatesAt);
  const retire = <K extends ScheduledKey>(keys: K[], afterMs: number) =>
    live(keys, now).map((key) => (key.retiresAt === null ? { ...key, retiresAt: Math.max(activatesAt, key.activatesAt) + afterMs } : key));
  return {
    signing: [...retire(ring.signing, times.signingRetireAfterMs), ...fresh.signing],
    cookie: [...retire(ring.cookie, times.cookieRetireAfterMs), ...fresh.cookie],
  };
}
