import type { Middleware } from 'koa';
import type { Clock } from '../clock.ts';
import { enforceRateLimit } from '../http/guards.ts';
import type { RateLimiter } from '../security/rate_limit.ts';

/** The path as oidc-provider's router matches it: any case, one trailing slash ignored. */
const routedAs = (path: string) => path.toLowerCase().replace(/(.)\/$/, '$1');

/**
 * Every request to the authorization endpoint stores an interaction (and the login page a
 * passkey challenge) for the sign-in's lifetime, before anyone has typed anything, and every
 * pushed authorization request a request record: a per-IP limit on both
 * (`rateLimits.authorization`), so one client cannot fill the store.
 */
export function limitSignInStarts(paths: string[], deps: { overLimit: RateLimiter; clock: Clock }): Middleware {
  const limited = new Set(paths.map(routedAs));
  return async (ctx, next) => {
    if (limited.has(routedAs(ctx.path))) await enforceRateLimit(ctx, deps, 'authorization', null);
    await next();
  };
}
