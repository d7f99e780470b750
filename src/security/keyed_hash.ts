import { createHmac, createSecretKey, type KeyObject, timingSafeEqual } from 'node:crypto';

// the same few keys hash on every request: make each into a KeyObject once
const prepared = new WeakMap<Buffer, KeyObject>();
const keyObject = (key: Buffer) => {
  let object = prepared.get(key);
  if (!object) {
    object = createSecretKey(key);
    prepared.set(key, object);
  }
  return object;
};

/** Codes are stored only as HMAC-SHA256 under a server key: a leaked table reveals nothing. */
export const keyedHash = (key: Buffer, value: string) => createHmac('sha256', keyObject(key)).update(value).digest('base64url');

/** Constant-time equality of two strings. */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
