import type { ParameterizedContext } from 'koa';
import { z } from 'zod';
import { ACR_PHR, phrFromForNew, sessionMeets } from '../assurance/index.ts';
import { auditCodeSent } from '../audit/code_sent.ts';
import { parseTarget } from '../factors/destinations.ts';
import type { MethodKind } from '../factors/methods.ts';
import { checkMessages, passkeyEnrolmentRefused, sendProblem, sendStatus, wrongTotpCode } from '../factors/outcome_texts.ts';
import { renderDeliveredEnrolment } from '../http/delivered_enrolment_page.ts';
import { parseForm, text } from '../http/form.ts';
import { enforceRateLimit } from '../http/guards.ts';
import { requestLanguage } from '../http/language.ts';
import { requestInfo } from '../http/request_info.ts';
import { seeOther } from '../http/see_other.ts';
import type { Phrase } from '../i18n/phrase.ts';
import type { Channel } from '../model/factor.ts';
import { personText } from '../person_text.ts';
import type { AccountAreaDeps } from './deps.ts';
import { accountOf, enrolmentBinding, requireAccountCsrf } from './session.ts';

const codeForm = z.object({ code: text(64), csrf: text(200) });
const targetForm = z.object({ target: text(320), csrf: text(200) });

/** The factor is stored: audited, emailed, and its recovery codes shown if it came with any. */
async function finish(ctx: ParameterizedContext, deps: AccountAreaDeps, method: MethodKind, factorId: string, recoveryCodes: string[]) {
  await deps.selfService.factorAdded(accountOf(ctx).account, method, factorId, recoveryCodes, requestInfo(ctx));
  if (recoveryCodes.length === 0) return seeOther(ctx, '/account?done=factor-added');
  await ctx.render('recovery_codes', { recoveryCodes, continueUrl: '/account?done=factor-added' });
}

/** GET /account/enrol/totp — a new authenticator app beside the factors the person has. */
export function showTotpEnrolment(deps: AccountAreaDeps) {
  return async (ctx: ParameterizedContext) => {
    const { account, page } = accountOf(ctx);
    await ctx.render('enrol_totp', { it: page, enrolment: await deps.secondFactors.totpEnrolment(enrolmentBinding(ctx), account) });
  };
}

/** POST /account/enrol/totp — one code from the new app confirms it. */
export function confirmTotpEnrolment(deps: AccountAreaDeps) {
  return async (ctx: ParameterizedContext) => {
    const { code, csrf } = parseForm(ctx, codeForm);
    requireAccountCsrf(deps, ctx, csrf);
    const { account, page } = accountOf(ctx);
    await enforceRateLimit(ctx, deps, 'codeCheck', account.id);
    const confirmed = await deps.secondFactors.confirmTotpEnrolment(enrolmentBinding(ctx), account.id, code.trim());
    if (!confirmed) {
      ctx.status = 401;
      const enrolment = await deps.secondFactors.totpEnrolment(enrolmentBinding(ctx), account);
      return ctx.render('enrol_totp', { it: page, enrolment, error: wrongTotpCode });
    }
    await finish(ctx, deps, 'totp', confirmed.factorId, confirmed.recoveryCodes);
  };
}

const passkeyForm = z.object({ credential: text(16_000), name: personText(60), csrf: text(200) });

async function renderPasskeyEnrolment(ctx: ParameterizedContext, deps: AccountAreaDeps, error?: Phrase) {
  const { account, page } = accountOf(ctx);
  const options = await deps.passkeys.registrationOptions(enrolmentBinding(ctx), account, await deps.secondFactors.confirmedFactors(account.id));
  await ctx.render('enrol_passkey', { it: page, options, action: '/account/enrol/passkey', error });
}

/** GET /account/enrol/passkey — a new passkey beside the factors the person has. */
export const showPasskeyEnrolment = (deps: AccountAreaDeps) => (ctx: ParameterizedContext) => renderPasskeyEnrolment(ctx, deps);

/** POST /account/enrol/passkey — the new credential, checked against this account session's challenge. */
export function confirmPasskeyEnrolment(deps: AccountAreaDeps) {
  return async (ctx: ParameterizedContext) => {
    const { credential, name, csrf } = parseForm(ctx, passkeyForm);
    requireAccountCsrf(deps, ctx, csrf);
    const { account } = accountOf(ctx);
    await enforceRateLimit(ctx, deps, 'codeCheck', account.id);
    // added from a session that proved phr (a passkey, recently): no hold; else held while its owner hears of it
    const { session } = accountOf(ctx);
    const now = deps.clock.now();
    const provedPhr = sessionMeets({ acr: session.acr, secondFactorAt: session.verifiedAt }, ACR_PHR, deps.freshMs, now);
    const registered = await deps.passkeys.register(enrolmentBinding(ctx), account.id, credential, name, phrFromForNew(provedPhr, now, deps.passkeyHoldMs));
    if ('refused' in registered) {
      ctx.status = 400;
      return renderPasskeyEnrolment(ctx, deps, passkeyEnrolmentRefused);
    }
    await finish(ctx, deps, 'webauthn', registered.factor.id, registered.recoveryCodes);
  };
}

/** GET /account/enrol/email|sms */
export function showDeliveredEnrolment(deps: AccountAreaDeps, channel: Channel) {
  return async (ctx: ParameterizedContext) => {
    const { account, page } = accountOf(ctx);
    await renderDeliveredEnrolment(ctx, deps, enrolmentBinding(ctx), page, account, channel);
  };
}

/** POST /account/enrol/email|sms — sends a code to the address or number typed. */
export function sendEnrolmentCode(deps: AccountAreaDeps, channel: Channel) {
  return async (ctx: ParameterizedContext) => {
    const { target, csrf } = parseForm(ctx, targetForm);
    requireAccountCsrf(deps, ctx, csrf);
    const { account, page } = accountOf(ctx);
    const parsed = parseTarget(channel, target);
    if (!parsed.ok) {
      ctx.status = 400;
      return renderDeliveredEnrolment(ctx, deps, enrolmentBinding(ctx), page, account, channel, { error: parsed.error, target });
    }
    await enforceRateLimit(ctx, deps, 'codeSend', account.id);
    const outcome = await deps.deliveredCodes.startEnrolment(enrolmentBinding(ctx), account, channel, parsed.value, page.clientName, requestLanguage(ctx));
    await auditCodeSent(deps.audit, requestInfo(ctx), page.clientId, account, channel, outcome);
    if (outcome.kind === 'sent') return seeOther(ctx, `/account/enrol/${channel}`);
    ctx.status = sendStatus(outcome);
    await renderDeliveredEnrolment(ctx, deps, enrolmentBinding(ctx), page, account, channel, { error: sendProblem(outcome, deps.clock.now()), target });
  };
}

/** POST /account/enrol/email|sms/confirm — the code proves the address; it replaces an earlier one of the kind. */
export function confirmDeliveredEnrolment(deps: AccountAreaDeps, channel: Channel) {
  return async (ctx: ParameterizedContext) => {
    const { code, csrf } = parseForm(ctx, codeForm);
    requireAccountCsrf(deps, ctx, csrf);
    const { account, page } = accountOf(ctx);
    await enforceRateLimit(ctx, deps, 'codeCheck', account.id);
    const confirmed = await deps.deliveredCodes.confirmEnrolment(enrolmentBinding(ctx), account.id, channel, code);
    if (confirmed.outcome !== 'ok') {
      ctx.status = 401;
      return renderDeliveredEnrolment(ctx, deps, enrolmentBinding(ctx), page, account, channel, { error: checkMessages[confirmed.outcome] });
    }
    await finish(ctx, deps, channel, confirmed.factorId, confirmed.recoveryCodes);
  };
}
