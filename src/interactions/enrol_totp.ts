import type { ParameterizedContext } from 'koa';
import { z } from 'zod';
import { codePassed } from '../factors/methods.ts';
import { wrongTotpCode } from '../factors/outcome_texts.ts';
import type { TotpEnrolment } from '../factors/registry.ts';
import { text } from '../http/form.ts';
import { enforceRateLimit } from '../http/guards.ts';
import type { Phrase } from '../i18n/phrase.ts';
import type { CurrentInteraction } from './current_interaction.ts';
import type { InteractionDeps } from './deps.ts';
import { enrollingAccount, finishEnrolment } from './enrolment.ts';
import type { StepContext } from './step_context.ts';

/** A code that confirms an enrolment: from the app, or sent to the address being proven. */
export const confirmForm = z.object({ code: text(64) });

async function renderEnrolment(ctx: ParameterizedContext, it: CurrentInteraction, enrolment: TotpEnrolment, error?: Phrase) {
  await ctx.render('enrol_totp', { it, enrolment, error });
}

/** GET /interaction/:uid/enrol/totp — QR code, key as text and otpauth:// link, for this sign-in only. */
export function showTotpEnrolment(deps: InteractionDeps) {
  return async (ctx: StepContext) => {
    const it = ctx.state.step;
    const account = await enrollingAccount(ctx, deps, it);
    if (!account) return;
    await renderEnrolment(ctx, it, await deps.secondFactors.totpEnrolment(it.uid, account));
  };
}

/** POST /interaction/:uid/enrol/totp — one code confirms; recovery codes are shown once. */
export function confirmTotpEnrolment(deps: InteractionDeps) {
  return async (ctx: StepContext<z.infer<typeof confirmForm>>) => {
    const {
      step: it,
      form: { code },
    } = ctx.state;
    const account = await enrollingAccount(ctx, deps, it);
    if (!account) return;
    await enforceRateLimit(ctx, deps, 'codeCheck', account.id);
    const confirmed = await deps.secondFactors.confirmTotpEnrolment(it.uid, account.id, code.trim());
    if (!confirmed) {
      ctx.status = 401;
      return renderEnrolment(ctx, it, await deps.secondFactors.totpEnrolment(it.uid, account), wrongTotpCode);
    }
    await finishEnrolment(ctx, deps, it, account, codePassed('totp'), confirmed.factorId, confirmed.recoveryCodes);
  };
}
