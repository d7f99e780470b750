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

/**
 * Browsers a person has signed in from, marked by a long-lived signed cookie and
 * remembered per account (as a keyed hash of the cookie), for "new browser" alerts.
 * The cookie is signed with `cookieKeys()` (newest first), whatever keys the host's app has.
 */
export function createKnownBrowsers(records: RecordStore, clock: Clock, hashKey: Buffer, secureCookies: boolean, cookieKeys: () => string[]) {
  return {
    /** Remembers this browser for the account; true when it had not been seen before. */
    async remember(ctx: ParameterizedContext, accountId: string): Promise<boolean> {
      // as koa's own cookies: the connection counts as secure when the (trusted) proxy says so
      const cookies = new Cookies(ctx.req, ctx.res, { keys: cookieKeys(), secure: ctx.secure });
      let browserId = cookies.get(cookieName, { signed: true });
      if (!browserId || !/^[\w-]{22}$/.test(browserId)) {
        browserId = random.id();
        cookies.set(cookieName, browserId, { signed: true, httpOnly: true, sameSite: 'lax', secure: secureCookies, maxAge: lifetimeMs, overwrite: true });
      }
      const key = `${accountId}:${keyedHash(hashKey, `browser:${browserId}`)}`;
      const known = await records.find('KnownBrowser', key);
      // the memory lasts 400 days from the last sign-in; renewed at most daily, to save a write per sign-in
      const now = clock.now();
      if (known === null || (known.expiresAt ?? 0) < now + lifetimeMs - renewAfterMs) {
        await records.upsert('KnownBrowser', key, {}, now + lifetimeMs);
      }
      return known === null;
    },
  };
}

export type KnownBrowsers = ReturnType<typeof createKnownBrowsers>;
