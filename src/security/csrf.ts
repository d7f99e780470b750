import { keyedHash, safeEqual } from './keyed_hash.ts';

/**
 * CSRF tokens bound to the interaction: an HMAC of its uid under a server key. Another
 * site can neither read the token from our page nor compute it.
 */
export function createCsrf(key: Buffer) {
  const tokenFor = (interactionUid: string) => keyedHash(key, `csrf:${interactionUid}`);
  return {
    tokenFor,
    verify: (interactionUid: string, token: unknown) => typeof token === 'string' && safeEqual(token, tokenFor(interactionUid)),
  };
}

export type Csrf = ReturnType<typeof createCsrf>;
