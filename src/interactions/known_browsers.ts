import Cookies from 'cookies';
import type { ParameterizedContext } from 'koa';
import type { Clock } from '../clock.ts';
import { random } from '../random.ts';
import { keyedHash } from '../security/keyed_hash.ts';
import type { RecordStore } from '../store/ports.ts';

const cookieName = 'stepup.browser';
const day = 24 * 60 * 60 * 1000;
const lifetimeMs = 400 * day;
const renewAfterMs = day;

/** What Stepup keeps of a browser an account signed in from. */
interface KnownBrowser {
  /** when a sign-in from it first proved a second factor; what adaptive step-up trusts */
  verifiedAt?: number;
}

/**
 * Browsers a person has signed in from, marked by a long-lived signed cookie and
 * remembered per account (as a keyed hash of the cookie), for "new browser" alerts and
 * adaptive step-up. The cookie is signed with `cookieKeys()` (newest first), whatever keys
 * the host's app has.
 */
export function createKnownBrowsers(records: RecordStore, clock: Clock, hashKey: Buffer, secureCookies: boolean, cookieKeys: () => string[]) {
  // as koa's own cookies: the connection counts as secure when the (trusted) proxy says so
  const cookiesOf = (ctx: ParameterizedContext) => new Cookies(ctx.req, ctx.res, { keys: cookieKeys(), secure: ctx.secure });
  const markOf = (ctx: ParameterizedContext): string | null => {
    const browserId = cookiesOf(ctx).get(cookieName, { signed: true });
    return browserId && /^[\w-]{22}$/.test(browserId) ? browserId : null;
  };
  /** The browser's name in storage: a keyed hash of its mark, so a copy of the database cannot forge the cookie. */
  const hashOf = (browserId: string) => keyedHash(hashKey, `browser:${browserId}`);
  const recordKey = (accountId: string, browserId: string) => `${accountId}:${hashOf(browserId)}`;

  return {
    /**
     * This browser's hash (what records bound to a browser store), or null when it carries no
     * valid mark: a browser that never signed in here, or one whose cookie was tampered with.
     */
    browserHashOf(ctx: ParameterizedContext): string | null {
      const browserId = markOf(ctx);
      return browserId ? hashOf(browserId) : null;
    },

    /** Whether a sign-in of the account from this browser has proved a second factor before. */
    async verified(ctx: ParameterizedContext, accountId: string): Promise<boolean> {
      const browserId = markOf(ctx);
      if (!browserId) return false;
      const known = await records.find('KnownBrowser', recordKey(accountId, browserId));
      return typeof (known?.payload as KnownBrowser | undefined)?.verifiedAt === 'number';
    },

    /**
     * Remembers this browser for the account; true when it had not been seen before. A sign-in
     * that proved a second factor (`secondFactor`) marks it verified; one that did not keeps
     * what it was, so a password alone never makes a browser trusted.
     */
    async remember(ctx: ParameterizedContext, accountId: string, { secondFactor = false } = {}): Promise<boolean> {
      let browserId = markOf(ctx);
      if (!browserId) {
        browserId = random.id();
        cookiesOf(ctx).set(cookieName, browserId, {
          signed: true,
          httpOnly: true,
          sameSite: 'lax',
          secure: secureCookies,
          maxAge: lifetimeMs,
          overwrite: true,
        });
      }
      const key = recordKey(accountId, browserId);
      const known = await records.find('KnownBrowser', key);
      const was = (known?.payload ?? {}) as KnownBrowser;
      const now = clock.now();
      const newlyVerified = secondFactor && was.verifiedAt === undefined;
      const payload: KnownBrowser = newlyVerified ? { verifiedAt: now } : was;
      // the memory lasts 400 days from the last sign-in; renewed at most daily, to save a write per sign-in
      if (known === null || newlyVerified || (known.expiresAt ?? 0) < now + lifetimeMs - renewAfterMs) {
        await records.upsert('KnownBrowser', key, payload as Record<string, unknown>, now + lifetimeMs);
      }
      return known === null;
    },
  };
}

export type KnownBrowsers = ReturnType<typeof createKnownBrowsers>;
