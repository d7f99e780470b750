import { z } from 'zod';
import { auditCodeSent } from '../audit/code_sent.ts';
import { parseTarget } from '../factors/destinations.ts';
import { codePassed } from '../factors/methods.ts';
import { checkMessages, sendProblem, sendStatus } from '../factors/outcome_texts.ts';
import { renderDeliveredEnrolment } from '../http/delivered_enrolment_page.ts';
import { text } from '../http/form.ts';
import { enforceRateLimit } from '../http/guards.ts';
import { requestLanguage } from '../http/language.ts';
import { requestInfo } from '../http/request_info.ts';
import { seeOther } from '../http/see_other.ts';
import type { Channel } from '../model/factor.ts';
import type { InteractionDeps } from './deps.ts';
import type { confirmForm } from './enrol_totp.ts';
import { enrollingAccount, finishEnrolment } from './enrolment.ts';
import { stepUrl } from './respond.ts';
import type { StepContext } from './step_context.ts';

/** GET /interaction/:uid/enrol/email|sms — the address or number, then the code sent to it. */
export function showDeliveredEnrolment(deps: InteractionDeps, channel: Channel) {
  return async (ctx: StepContext) => {
    const it = ctx.state.step;
    const account = await enrollingAccount(ctx, deps, it);
    if (!account) return;
    await renderDeliveredEnrolment(ctx, deps, it.uid, it, account, channel);
  };
}

export const targetForm = z.object({ target: text(320) });

/** POST /interaction/:uid/enrol/email|sms — sends a code to the address or number given. */
export function sendEnrolmentCode(deps: InteractionDeps, channel: Channel) {
  return async (ctx: StepContext<z.infer<typeof targetForm>>) => {
    const {
      step: it,
      form: { target },
    } = ctx.state;
    const account = await enrollingAccount(ctx, deps, it);
    if (!account) return;
    const parsed = parseTarget(channel, target);
    if (!parsed.ok) {
      ctx.status = 400;
      return renderDeliveredEnrolment(ctx, deps, it.uid, it, account, channel, { error: parsed.error, target });
    }
    await enforceRateLimit(ctx, deps, 'codeSend', account.id);
    const outcome = await deps.deliveredCodes.startEnrolment(it.uid, account, channel, parsed.value, it.clientName, requestLanguage(ctx));
    await auditCodeSent(deps.audit, requestInfo(ctx), it.clientId, account, channel, outcome);
    if (outcome.kind === 'sent') return seeOther(ctx, stepUrl(it, `/enrol/${channel}`));
    ctx.status = sendStatus(outcome);
    await renderDeliveredEnrolment(ctx, deps, it.uid, it, account, channel, { error: sendProblem(outcome, deps.clock.now()), target });
  };
}

/** POST /interaction/:uid/enrol/email|sms/confirm — the code proves the address; sign-in completes. */
export function confirmDeliveredEnrolment(deps: InteractionDeps, channel: Channel) {
  return async (ctx: StepContext<z.infer<typeof confirmForm>>) => {
    const {
      step: it,
      form: { code },
    } = ctx.state;
    const account = await enrollingAccount(ctx, deps, it);
    if (!account) return;
    await enforceRateLimit(ctx, deps, 'codeCheck', account.id);
    const confirmed = await deps.deliveredCodes.confirmEnrolment(it.uid, account.id, channel, code);
    if (confirmed.outcome !== 'ok') {
      ctx.status = 401;
      return renderDeliveredEnrolment(ctx, deps, it.uid, it, account, channel, { error: checkMessages[confirmed.outcome] });
    }
    await finishEnrolment(ctx, deps, it, account, codePassed(channel), confirmed.factorId, confirmed.recoveryCodes);
  };
}
