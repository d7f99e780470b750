import type { CounterHit, CounterStore } from '../store/ports.ts';
import { ipKey } from './ip_key.ts';
import { keyedHash } from './keyed_hash.ts';

export interface RateLimit {
  perIp: number;
  /** none: the bucket counts IPs alone */
  perAccount?: number;
  windowSeconds: number;
}

export type Bucket = 'login' | 'codeCheck' | 'codeSend' | 'passwordReset' | 'authorization';

/** The limit of each bucket, and how much of an IPv6 address names one client. */
export type RateLimits = Record<Bucket, RateLimit> & { ipv6PrefixLength: number };

/**
 * Fixed-window limits per IP and per account, in the store's counters so every process
 * counts together. Answers how long to wait, or null when the request may go on. The
 * account is whatever was typed, so it is stored only as a keyed hash (people type
 * passwords into email fields). An IPv6 client is counted by its network prefix (see ipKey).
 */
export function createRateLimiter(counters: CounterStore, limits: RateLimits, hashKey: Buffer) {
  return async function overLimit(bucket: Bucket, ip: string | null, account: string | null, now: number): Promise<number | null> {
    const { perIp, perAccount, windowSeconds } = limits[bucket];
    const windowMs = windowSeconds * 1000;
    const hits: CounterHit[] = [];
    if (ip) hits.push({ key: `rate:${bucket}:ip:${ipKey(ip, limits.ipv6PrefixLength)}`, windowMs, limit: perIp });
    if (account && perAccount) hits.push({ key: `rate:${bucket}:account:${keyedHash(hashKey, `rate:${account}`)}`, windowMs, limit: perAccount });
    if (hits.length === 0) return null;
    // the IP's and the account's counts in one operation
    const over = (await counters.hitAll(hits)).filter((state) => state !== null);
    return over.length === 0 ? null : Math.max(0, ...over.map((state) => state.expiresAt - now));
  };
}

export type RateLimiter = ReturnType<typeof createRateLimiter>;
