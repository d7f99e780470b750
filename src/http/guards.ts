import type { ParameterizedContext } from 'koa';
import type { Clock } from '../clock.ts';
import { tooManyRequests } from '../errors.ts';
import { durationPhrase } from '../i18n/phrase.ts';
import type { Bucket, RateLimiter } from '../security/rate_limit.ts';
import { requestInfo } from './request_info.ts';

/** Throws a 429 when this IP or account is over the bucket's limit. */
export async function enforceRateLimit(ctx: ParameterizedContext, deps: { overLimit: RateLimiter; clock: Clock }, bucket: Bucket, account: string | null) {
  const waitMs = await deps.overLimit(bucket, requestInfo(ctx).ip, account, deps.clock.now());
  if (waitMs !== null) throw tooManyRequests(waitMs);
}

/** The page for a locked account: when to try again, nothing about what was typed. */
export async function renderLocked(ctx: ParameterizedContext, deps: { clock: Clock }, it: { base: string; csrfToken: string }, lockedUntil: number) {
  ctx.status = 423;
  await ctx.render('locked', {
    it,
    wait: durationPhrase(lockedUntil - deps.clock.now()),
    until: lockedUntil,
  });
}
