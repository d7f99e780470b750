import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import { browserNameOf } from '../browser_name.ts';
import type { Clock } from '../clock.ts';
import { random } from '../random.ts';
import type { RecordStore } from '../store/ports.ts';

const day = 24 * 60 * 60 * 1000;
/** One record per account holds its remembered browsers; found by account, so revokeByAccountId ends them all. */
const kind = 'RememberedBrowsers';
const challengeKind = 'RememberedChallenge';
/** At most this many browsers per account: the oldest is forgotten first. */
const maxPerAccount = 20;

/** A browser a person chose to remember: only its public key is here; the private key never left it. */
export interface RememberedBrowser {
  /** names the key in the browser's IndexedDB and in the signed text: its public x coordinate */
  keyId: string;
  /** the known-browser mark's hash (knownBrowsers.browserHashOf): the key works only with that browser's cookie */
  browserHash: string;
  /** the P-256 public key as a JWK */
  publicKey: { kty: 'EC'; crv: 'P-256'; x: string; y: string };
  /** the browser's name from its User-Agent: "Chrome 131 on Linux" */
  name: string;
  firstUsedAt: number;
  lastUsedAt: number;
  /** when the real second factor that made the key was passed (what mfa_max_age measures) */
  factorAt: number;
  expiresAt: number;
  /** the country it was last used from, when GeoIP is configured */
  place?: string | null;
}

interface Stored {
  browsers: RememberedBrowser[];
}

const b64url = /^[A-Za-z0-9_-]{43}$/;

/** A public P-256 key as WebCrypto exports it (a JWK), or null: anything else, a private part included, is refused. */
export function publicKeyOf(jwkText: string): { jwk: RememberedBrowser['publicKey']; key: KeyObject } | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(jwkText);
  } catch {
    return null;
  }
  const jwk = parsed as Record<string, unknown> | null;
  if (!jwk || typeof jwk !== 'object' || jwk.kty !== 'EC' || jwk.crv !== 'P-256' || 'd' in jwk) return null;
  if (typeof jwk.x !== 'string' || typeof jwk.y !== 'string' || !b64url.test(jwk.x) || !b64url.test(jwk.y)) return null;
  const clean = { kty: 'EC' as const, crv: 'P-256' as const, x: jwk.x, y: jwk.y };
  try {
    return { jwk: clean, key: createPublicKey({ key: clean, format: 'jwk' }) };
  } catch {
    return null;
  }
}

/**
 * What the browser signs: the sign-in (interaction uid), the key and the server's one-time
 * challenge, so a signature answers one challenge of one sign-in and nothing else.
 */
export const signedText = (uid: string, keyId: string, challenge: string) => `stepup remembered browser v1\n${uid}\n${keyId}\n${challenge}`;

/** Whether `signature` (base64url, IEEE P1363 r||s as WebCrypto gives it) is the key's over `text`. */
export function signatureValid(publicKey: RememberedBrowser['publicKey'], text: string, signature: string): boolean {
  const bytes = Buffer.from(signature, 'base64url');
  if (bytes.length !== 64) return false;
  try {
    return verify('sha256', Buffer.from(text), { key: createPublicKey({ key: publicKey, format: 'jwk' }), dsaEncoding: 'ieee-p1363' }, bytes);
  } catch {
    return false;
  }
}

/**
 * Remembered browsers: a device-bound key (non-extractable, made by WebCrypto in the browser)
 * whose signature over a fresh challenge stands in for the second factor, for a client that
 * allows it. Kept through the record store, one record per account indexed by the account, so a
 * password change or reset, sign-out everywhere, a factor reset and disabling the account end them.
 */
export function createRememberedBrowsers(
  records: RecordStore,
  clock: Clock,
  challengeLifetimeMs: number,
  placeOf: (ip: string | null) => string | null = () => null,
) {
  const read = async (accountId: string): Promise<RememberedBrowser[]> => {
    const record = await records.find(kind, accountId);
    const now = clock.now();
    return ((record?.payload as Stored | undefined)?.browsers ?? []).filter((b) => b.expiresAt > now);
  };
  const write = async (accountId: string, browsers: RememberedBrowser[]) => {
    if (browsers.length === 0) return records.destroy(kind, accountId);
    const expiresAt = Math.max(...browsers.map((b) => b.expiresAt));
    await records.upsert(kind, accountId, { browsers } as unknown as Record<string, unknown>, expiresAt, { accountId });
  };

  return {
    /** The account's live remembered browsers, most recently used first. */
    async list(accountId: string): Promise<RememberedBrowser[]> {
      return (await read(accountId)).sort((a, b) => b.lastUsedAt - a.lastUsedAt);
    },

    /** The live key remembered for this browser of the account, if any. */
    async forBrowser(accountId: string, browserHash: string | null): Promise<RememberedBrowser | null> {
      if (!browserHash) return null;
      return (await read(accountId)).find((b) => b.browserHash === browserHash) ?? null;
    },

    /**
     * Remembers this browser's public key for `days`, after a real factor passed at `factorAt`.
     * One key per browser and account: a new one replaces the browser's old one.
     */
    async remember(
      accountId: string,
      browser: { browserHash: string; publicKey: RememberedBrowser['publicKey']; userAgent: string | null; ip?: string | null },
      factorAt: number,
      days: number,
    ): Promise<RememberedBrowser> {
      const now = clock.now();
      const remembered: RememberedBrowser = {
        keyId: browser.publicKey.x,
        browserHash: browser.browserHash,
        publicKey: browser.publicKey,
        name: browserNameOf(browser.userAgent, 'Unknown browser'),
        firstUsedAt: now,
        lastUsedAt: now,
        factorAt,
        expiresAt: now + days * day,
        place: placeOf(browser.ip ?? null),
      };
      const others = (await read(accountId)).filter((b) => b.browserHash !== browser.browserHash).sort((a, b) => b.lastUsedAt - a.lastUsedAt);
      await write(accountId, [remembered, ...others].slice(0, maxPerAccount));
      return remembered;
    },

    /** A fresh one-time challenge for this sign-in and key. */
    async challenge(uid: string, accountId: string, keyId: string): Promise<string> {
      const challenge = random.id(32);
      await records.upsert(challengeKind, `${uid}:${challenge}`, { accountId, keyId }, clock.now() + challengeLifetimeMs, { accountId });
      return challenge;
    },

    /**
     * Checks the browser's signature over this sign-in's challenge with the key remembered for
     * this very browser (its mark's hash) and account. The challenge is consumed first, so it
     * answers once, right or wrong. Answers the remembered browser, its last use now, or null.
     */
    async verify(
      uid: string,
      accountId: string,
      browserHash: string | null,
      answer: { keyId: string; challenge: string; signature: string },
      ip: string | null = null,
    ): Promise<RememberedBrowser | null> {
      const id = `${uid}:${answer.challenge}`;
      const issued = await records.find(challengeKind, id);
      // consumed whatever follows: a challenge is answered once, right or wrong
      if (!issued || !(await records.consume(challengeKind, id, clock.now()))) return null;
      const payload = issued.payload as { accountId?: string; keyId?: string };
      if (payload.accountId !== accountId || payload.keyId !== answer.keyId) return null;
      const browsers = await read(accountId);
      const found = browsers.find((b) => b.keyId === answer.keyId && browserHash !== null && b.browserHash === browserHash);
      if (!found || !signatureValid(found.publicKey, signedText(uid, answer.keyId, answer.challenge), answer.signature)) return null;
      const used = { ...found, lastUsedAt: clock.now(), place: placeOf(ip) ?? found.place ?? null };
      await write(
        accountId,
        browsers.map((b) => (b.keyId === used.keyId ? used : b)),
      );
      return used;
    },

    /** Forgets one remembered browser of the account; false when it had none by that id. */
    async remove(accountId: string, keyId: string): Promise<RememberedBrowser | null> {
      const browsers = await read(accountId);
      const found = browsers.find((b) => b.keyId === keyId);
      if (!found) return null;
      await write(
        accountId,
        browsers.filter((b) => b.keyId !== keyId),
      );
      return found;
    },
  };
}

export type RememberedBrowsers = ReturnType<typeof createRememberedBrowsers>;
