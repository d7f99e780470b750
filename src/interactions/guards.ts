import type { ParameterizedContext } from 'koa';
import { tooManyRequests } from '../http/errors.ts';
import { requestInfo } from '../http/request_info.ts';
import type { Bucket } from '../security/rate_limit.ts';
import type { CurrentInteraction } from './current_interaction.ts';
import type { InteractionDeps } from './deps.ts';
import { durationText } from './wait_text.ts';

/** Throws a 429 when this IP or account is over the bucket's limit. */
export async function enforceRateLimit(ctx: ParameterizedContext, deps: Pick<InteractionDeps, 'overLimit' | 'clock'>, bucket: Bucket, account: string | null) {
  const waitMs = await deps.overLimit(bucket, requestInfo(ctx).ip, account, deps.clock.now());
  if (waitMs !== null) throw tooManyRequests(waitMs);
}

/** The page for a locked account: when to try again, nothing about what was typed. */
export async function renderLocked(ctx: ParameterizedContext, deps: InteractionDeps, it: CurrentInteraction, lockedUntil: number) {
  ctx.status = 423;
  await ctx.render('locked', {
    it,
    wait: durationText(lockedUntil - deps.clock.now()),
    until: new Date(lockedUntil).toISOString().slice(11, 16),
  });
}
