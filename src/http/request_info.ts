import type { ParameterizedContext } from 'koa';
import type { RequestInfo } from '../audit/audit.ts';

/** The caller's address (from X-Forwarded-For only behind trusted proxies, see trusted_proxies.ts) and browser. */
export function requestInfo(ctx: ParameterizedContext): RequestInfo {
  return { ip: ctx.ip || null, userAgent: ctx.get('User-Agent').slice(0, 300) || null };
}
