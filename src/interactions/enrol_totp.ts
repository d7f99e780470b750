import type { ParameterizedContext } from 'koa';
import { z } from 'zod';
import { parseForm, text } from '../http/form.ts';
import type { TotpEnrolment } from '../otp/second_factor.ts';
import { loadInteraction, requireCsrf, type CurrentInteraction } from './current_interaction.ts';
import type { InteractionDeps } from './deps.ts';
import { enrollingAccount, finishEnrolment } from './enrolment.ts';
import { enforceRateLimit } from '../http/guards.ts';
import { wrongTotpCode } from '../otp/outcome_texts.ts';

const confirmForm = z.object({ code: text(64), csrf: text(200) });

async function renderEnrolment(ctx: ParameterizedContext, it: CurrentInteraction, enrolment: TotpEnrolment, error?: string) {
  await ctx.render('enrol_totp', { it, enrolment, error });
}

/** GET /interaction/:uid/enrol/totp — QR code, key as text and otpauth:// link, for this sign-in only. */
export function showTotpEnrolment(deps: InteractionDeps) {
  return async (ctx: ParameterizedContext) => {
    const it = await loadInteraction(ctx, deps);
    const account = await enrollingAccount(ctx, deps, it);
    if (!account) return;
    await renderEnrolment(ctx, it, await deps.secondFactors.totpEnrolment(it.uid, account));
  };
}

/** POST /interaction/:uid/enrol/totp — one code confirms; recovery codes are shown once. */
export function confirmTotpEnrolment(deps: InteractionDeps) {
  return async (ctx: ParameterizedContext) => {
    const it = await loadInteraction(ctx, deps);
    const { code, csrf } = parseForm(ctx, confirmForm);
    requireCsrf(deps.csrf, it, csrf);
    const account = await enrollingAccount(ctx, deps, it);
    if (!account) return;
    await enforceRateLimit(ctx, deps, 'codeCheck', account.id);
    const recoveryCodes = await deps.secondFactors.confirmTotpEnrolment(it.uid, account.id, code.trim());
    if (!recoveryCodes) {
      ctx.status = 401;
      return renderEnrolment(ctx, it, await deps.secondFactors.totpEnrolment(it.uid, account), wrongTotpCode);
    }
    await finishEnrolment(ctx, deps, it, account, 'totp', recoveryCodes);
  };
}
