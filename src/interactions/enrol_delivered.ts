import type { ParameterizedContext } from 'koa';
import { z } from 'zod';
import { e164 } from '../admin/users.ts';
import { parseForm, text } from '../http/form.ts';
import { maskDestination } from '../otp/mask.ts';
import type { Account, Channel } from '../store/ports.ts';
import { loadInteraction, requireCsrf, type CurrentInteraction } from './current_interaction.ts';
import type { InteractionDeps } from './deps.ts';
import { enrollingAccount, finishEnrolment } from './enrolment.ts';
import { seeOther, stepUrl } from './respond.ts';
import { enforceRateLimit } from './guards.ts';
import { checkMessages } from './second_factor.ts';
import { auditSend, sendProblem } from './send_outcome.ts';
import { durationText } from './wait_text.ts';

const targetSchema: Record<Channel, z.ZodType<string>> = {
  email: z.email().max(320),
  sms: e164,
};
const targetError: Record<Channel, string> = {
  email: 'Enter an email address, like name@example.com.',
  sms: 'Enter the phone number in international form, starting with + and the country code, like +15551234567.',
};

/** The address or number typed, checked: the value to send a code to, or what to tell the person. */
export function parseTarget(channel: Channel, target: string): { ok: true; value: string } | { ok: false; error: string } {
  const parsed = targetSchema[channel].safeParse(target.trim());
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, error: targetError[channel] };
}

/** The page that proves an email address or phone number, in a sign-in or in the account area. */
export type EnrolmentPage = Pick<CurrentInteraction, 'base' | 'csrfToken' | 'clientName'> & { uid?: string };

/** `binding`: the interaction or account-area session the enrolment belongs to. */
export async function renderDeliveredEnrolment(ctx: ParameterizedContext, deps: Pick<InteractionDeps, 'deliveredCodes' | 'clock'>, binding: string, it: EnrolmentPage, account: Account, channel: Channel, state: { error?: string; target?: string } = {}) {
  const pending = await deps.deliveredCodes.pendingEnrolment(binding, account.id, channel);
  const live = pending ? await deps.deliveredCodes.liveCode(pending.factorId) : null;
  const now = deps.clock.now();
  const nextSendAt = await deps.deliveredCodes.nextSendAt(account.id);
  await ctx.render('enrol_delivered', {
    it,
    channel,
    target: state.target ?? pending?.target ?? (channel === 'email' ? account.email : account.phone ?? ''),
    sentTo: live && pending?.target ? maskDestination(channel, pending.target) : null,
    expiresIn: live ? durationText(live.expiresAt - now) : null,
    resendIn: nextSendAt === null ? null : durationText(nextSendAt - now),
    error: state.error,
  });
}

/** GET /interaction/:uid/enrol/email|sms — the address or number, then the code sent to it. */
export function showDeliveredEnrolment(deps: InteractionDeps, channel: Channel) {
  return async (ctx: ParameterizedContext) => {
    const it = await loadInteraction(ctx, deps.provider, deps.csrf);
    const account = await enrollingAccount(ctx, deps, it);
    if (!account) return;
    await renderDeliveredEnrolment(ctx, deps, it.uid, it, account, channel);
  };
}

/** POST /interaction/:uid/enrol/email|sms — sends a code to the address or number given. */
export function sendEnrolmentCode(deps: InteractionDeps, channel: Channel) {
  const form = z.object({ target: text(320), csrf: text(200) });
  return async (ctx: ParameterizedContext) => {
    const it = await loadInteraction(ctx, deps.provider, deps.csrf);
    const { target, csrf } = parseForm(ctx, form);
    requireCsrf(deps.csrf, it, csrf);
    const account = await enrollingAccount(ctx, deps, it);
    if (!account) return;
    const parsed = parseTarget(channel, target);
    if (!parsed.ok) {
      ctx.status = 400;
      return renderDeliveredEnrolment(ctx, deps, it.uid, it, account, channel, { error: parsed.error, target });
    }
    await enforceRateLimit(ctx, deps, 'codeSend', account.id);
    const outcome = await deps.deliveredCodes.startEnrolment(it.uid, account, channel, parsed.value, it.clientName);
    await auditSend(ctx, deps, it, account, channel, outcome);
    if (outcome.kind === 'sent') return seeOther(ctx, stepUrl(it, `/enrol/${channel}`));
    ctx.status = outcome.kind === 'failed' ? 502 : 429;
    await renderDeliveredEnrolment(ctx, deps, it.uid, it, account, channel, { error: sendProblem(outcome, deps.clock.now())!, target });
  };
}

/** POST /interaction/:uid/enrol/email|sms/confirm — the code proves the address; sign-in completes. */
export function confirmDeliveredEnrolment(deps: InteractionDeps, channel: Channel) {
  const form = z.object({ code: text(64), csrf: text(200) });
  return async (ctx: ParameterizedContext) => {
    const it = await loadInteraction(ctx, deps.provider, deps.csrf);
    const { code, csrf } = parseForm(ctx, form);
    requireCsrf(deps.csrf, it, csrf);
    const account = await enrollingAccount(ctx, deps, it);
    if (!account) return;
    await enforceRateLimit(ctx, deps, 'codeCheck', account.id);
    const { outcome, recoveryCodes } = await deps.deliveredCodes.confirmEnrolment(it.uid, account.id, channel, code);
    if (outcome !== 'ok') {
      ctx.status = 401;
      return renderDeliveredEnrolment(ctx, deps, it.uid, it, account, channel, { error: checkMessages[outcome] });
    }
    await finishEnrolment(ctx, deps, it, account, channel, recoveryCodes);
  };
}
