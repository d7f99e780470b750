import type { CounterStore } from '../store/ports.ts';
import { keyedHash } from './keyed_hash.ts';

export interface RateLimit {
  perIp: number;
  perAccount: number;
  windowSeconds: number;
}

export type Bucket = 'login' | 'codeCheck' | 'codeSend' | 'passwordReset';

/**
 * Fixed-window limits per IP and per account, in the store's counters so every process
 * counts together. Answers how long to wait, or null when the request may go on. The
 * account is whatever was typed, so it is stored only as a keyed hash (people type
 * passwords into email fields).
 */
export function createRateLimiter(counters: CounterStore, limits: Record<Bucket, RateLimit>, hashKey: Buffer) {
  return async function overLimit(bucket: Bucket, ip: string | null, account: string | null, now: number): Promise<number | null> {
    const { perIp, perAccount, windowSeconds } = limits[bucket];
    const windowMs = windowSeconds * 1000;
    const checks: [string, number][] = [];
    if (ip) checks.push([`rate:${bucket}:ip:${ip}`, perIp]);
    if (account) checks.push([`rate:${bucket}:account:${keyedHash(hashKey, `rate:${account}`)}`, perAccount]);
    let waitMs: number | null = null;
    for (const [key, max] of checks) {
      const state = await counters.hit(key, windowMs);
      if (state.count > max) waitMs = Math.max(waitMs ?? 0, state.expiresAt - now);
    }
    return waitMs;
  };
}

export type RateLimiter = ReturnType<typeof createRateLimiter>;
