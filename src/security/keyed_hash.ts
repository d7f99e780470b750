import { createHmac, timingSafeEqual } from 'node:crypto';

/** Codes are stored only as HMAC-SHA256 under a server key: a leaked table reveals nothing. */
export const keyedHash = (key: Buffer, value: string) => createHmac('sha256', key).update(value).digest('base64url');

/** Constant-time equality of two strings. */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
