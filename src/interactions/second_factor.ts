import type { ParameterizedContext } from 'koa';
import { z } from 'zod';
import { utcMinute } from '../notifications/alerts.ts';
import { parseForm, text } from '../http/form.ts';
import { requestInfo } from '../http/request_info.ts';
import type { CheckOutcome } from '../otp/delivered_codes.ts';
import { maskDestination } from '../notifications/mask.ts';
import { checkMessages, sendProblem } from '../otp/outcome_texts.ts';
import { auditCodeSent } from '../audit/code_sent.ts';
import { methodLabel, type MethodKind } from '../otp/methods.ts';
import type { Person } from '../person.ts';
import type { Channel } from '../store/ports.ts';
import { loadInteraction, requireCsrf, type CurrentInteraction } from './current_interaction.ts';
import type { InteractionDeps } from './deps.ts';
import { enforceRateLimit, renderLocked } from '../http/guards.ts';
import { completeSignIn, secondFactorAccount } from './complete_sign_in.ts';
import { seeOther } from '../http/see_other.ts';
import { stepUrl } from './respond.ts';
import { durationText } from '../wait_text.ts';

const methodKinds = ['totp', 'email', 'sms', 'recovery'] as const;
const codeForm = z.object({ method: z.enum(methodKinds), code: text(64), csrf: text(200) });
const sendForm = z.object({ method: z.enum(['email', 'sms']), csrf: text(200) });
const isChannel = (method: MethodKind): method is Channel => method === 'email' || method === 'sms';

const channelName: Record<Channel, string> = { email: 'email', sms: 'SMS' };

interface PageState {
  error?: string;
  notice?: string;
}

/** The code state of a delivered method: where the live code went, when it expires, when to resend. */
async function deliveredState(deps: InteractionDeps, account: Person, channel: Channel) {
  const factor = (await deps.secondFactors.confirmedFactors(account.id)).find((f) => f.kind === channel);
  if (!factor?.target) return null;
  const now = deps.clock.now();
  const live = await deps.deliveredCodes.liveCode(factor.id);
  const nextSendAt = await deps.deliveredCodes.nextSendAt(account.id);
  return {
    channelName: channelName[channel],
    maskedTo: maskDestination(channel, factor.target),
    sent: live !== null,
    expiresIn: live ? durationText(live.expiresAt - now) : null,
    resendIn: nextSendAt === null ? null : durationText(nextSendAt - now),
  };
}

async function renderSecondFactor(
  ctx: ParameterizedContext,
  deps: InteractionDeps,
  it: CurrentInteraction,
  account: Person,
  methods: MethodKind[],
  method: MethodKind,
  state: PageState = {},
) {
  const others = methods.filter((m) => m !== method).map((m) => ({ kind: m, label: methodLabel[m] }));
  const delivered = isChannel(method) ? await deliveredState(deps, account, method) : null;
  await ctx.render('second_factor', { it, method, label: methodLabel[method], others, delivered, ...state });
}

async function accountAndMethods(ctx: ParameterizedContext, deps: InteractionDeps, it: CurrentInteraction) {
  const account = await secondFactorAccount(deps, it);
  if (!account) {
    seeOther(ctx, it.restart);
    return null;
  }
  return { account, methods: await deps.secondFactors.methodsFor(account.id) };
}

/** GET /interaction/:uid/second-factor[?method=…] */
export function showSecondFactor(deps: InteractionDeps) {
  return async (ctx: ParameterizedContext) => {
    const it = await loadInteraction(ctx, deps);
    const found = await accountAndMethods(ctx, deps, it);
    if (!found) return;
    if (found.methods.length === 0) return seeOther(ctx, stepUrl(it, '/enrol'));
    const lockedUntil = await deps.lockout.lockedUntil(found.account.id);
    if (lockedUntil) return renderLocked(ctx, deps, it, lockedUntil);
    const method = found.methods.find((m) => m === ctx.query.method) ?? found.methods[0]!;
    const fallbackFrom = ctx.query.fallback === 'email' || ctx.query.fallback === 'sms' ? ctx.query.fallback : null;
    const notice =
      fallbackFrom && isChannel(method) && fallbackFrom !== method
        ? `We could not send ${fallbackFrom === 'email' ? 'an email' : 'an SMS'}, so we sent your code by ${channelName[method]} instead.`
        : undefined;
    await renderSecondFactor(ctx, deps, it, found.account, found.methods, method, { notice });
  };
}

/** POST /interaction/:uid/second-factor/send — sends an email or SMS code (or falls back). */
export function sendSecondFactorCode(deps: InteractionDeps) {
  return async (ctx: ParameterizedContext) => {
    const it = await loadInteraction(ctx, deps);
    const { method, csrf } = parseForm(ctx, sendForm);
    requireCsrf(deps.csrf, it, csrf);
    const found = await accountAndMethods(ctx, deps, it);
    if (!found) return;
    if (!found.methods.includes(method)) return seeOther(ctx, stepUrl(it, '/second-factor'));
    await enforceRateLimit(ctx, deps, 'codeSend', found.account.id);
    const lockedUntil = await deps.lockout.lockedUntil(found.account.id);
    if (lockedUntil) return renderLocked(ctx, deps, it, lockedUntil);

    const outcome = await deps.deliveredCodes.sendSignInCode(found.account, method, it.clientName);
    await auditCodeSent(deps.audit, requestInfo(ctx), it.clientId, found.account, method, outcome);
    if (outcome.kind === 'sent') {
      const fallback = outcome.fallbackFrom ? `&fallback=${outcome.fallbackFrom}` : '';
      return seeOther(ctx, `${stepUrl(it, '/second-factor')}?method=${outcome.channel}${fallback}`);
    }
    ctx.status = outcome.kind === 'failed' ? 502 : 429;
    if (outcome.kind !== 'failed') ctx.set('Retry-After', String(Math.ceil((outcome.retryAt - deps.clock.now()) / 1000)));
    await renderSecondFactor(ctx, deps, it, found.account, found.methods, method, { error: sendProblem(outcome, deps.clock.now())! });
  };
}

/** POST /interaction/:uid/second-factor — checks a code for the chosen method. */
export function submitSecondFactor(deps: InteractionDeps) {
  return async (ctx: ParameterizedContext) => {
    const it = await loadInteraction(ctx, deps);
    const { method, code, csrf } = parseForm(ctx, codeForm);
    requireCsrf(deps.csrf, it, csrf);
    const account = await secondFactorAccount(deps, it);
    if (!account) return seeOther(ctx, it.restart);
    // read once for the whole check; recovery codes are counted only when they are the method
    const confirmed = await deps.secondFactors.confirmedFactors(account.id);
    const methodsOf = () => deps.secondFactors.methodsFor(account.id, confirmed);
    const offered = method === 'recovery' ? (await methodsOf()).includes(method) : confirmed.some((f) => f.kind === method);
    if (!offered) return seeOther(ctx, stepUrl(it, '/second-factor'));

    await enforceRateLimit(ctx, deps, 'codeCheck', account.id);
    const gate = await deps.lockout.attempt(account.id, 'second_factor');
    if (!gate.allowed) return renderLocked(ctx, deps, it, gate.lockedUntil);

    let outcome: CheckOutcome;
    if (isChannel(method)) outcome = await deps.deliveredCodes.checkSignInCode(account.id, method, code);
    else if (method === 'recovery') outcome = (await deps.secondFactors.useRecoveryCode(account.id, code)) ? 'ok' : 'wrong';
    else outcome = (await deps.secondFactors.verifyTotp(confirmed, code.trim())) ? 'ok' : 'wrong';

    const request = requestInfo(ctx);
    const who = { accountId: account.id, email: account.email, clientId: it.clientId, channel: method };
    if (outcome !== 'ok') {
      await deps.audit(request, { ...who, type: 'code_failed', result: 'failed', detail: outcome });
      const lockedUntil = await deps.lockout.failed(account.id, 'second_factor');
      if (lockedUntil) {
        await deps.audit(request, { ...who, type: 'lockout', result: 'ok', detail: 'second factor failures' });
        await deps.alert(account, 'lockout', { until: utcMinute(lockedUntil) });
        return renderLocked(ctx, deps, it, lockedUntil);
      }
      ctx.status = 401;
      return renderSecondFactor(ctx, deps, it, account, await methodsOf(), method, { error: checkMessages[outcome] });
    }
    await deps.audit(request, { ...who, type: method === 'recovery' ? 'recovery_code_used' : 'code_ok', result: 'ok' });
    if (method === 'recovery') {
      await deps.alert(account, 'recovery_code_used', { remaining: await deps.secondFactors.recoveryCodesLeft(account.id) });
    }
    await completeSignIn(ctx, deps, it, account, method);
  };
}
