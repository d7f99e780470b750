import { createHmac, createSecretKey, type KeyObject, timingSafeEqual } from 'node:crypto';

/**
 * Signs and checks cookies exactly as Keygrip does (HMAC-SHA1 in unpadded base64url, the
 * first key signs, any key verifies), so cookies already issued stay valid. Keygrip turns
 * each key string into a key for every HMAC and compares through two more HMACs; here the
 * keys are prepared once and compared with timingSafeEqual. koa and oidc-provider take it
 * wherever they take Keygrip.
 */
export function createCookieSigner(keys: string[]) {
  const prepared: KeyObject[] = keys.map((key) => createSecretKey(Buffer.from(key)));
  const sign = (data: string, key: KeyObject) => createHmac('sha1', key).update(data).digest('base64url');
  const index = (data: string, digest: string) => {
    const given = Buffer.from(String(digest));
    return prepared.findIndex((key) => {
      const expected = Buffer.from(sign(data, key));
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
  };
  return {
    sign: (data: string) => {
      const [first] = prepared;
      if (!first) throw new Error('cookies cannot be signed without a key');
      return sign(data, first);
    },
    verify: (data: string, digest: string) => index(data, digest) > -1,
    index,
  };
}

export type CookieSigner = ReturnType<typeof createCookieSigner>;

/** The signer where koa and oidc-provider take cookie keys: their types say a key array, both accept a Keygrip-like object. */
export const cookieKeys = (keys: string[]) => createCookieSigner(keys) as unknown as string[];
