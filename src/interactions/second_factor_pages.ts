import type { ParameterizedContext } from 'koa';
import { z } from 'zod';
import type { Proof, SignInDecision } from '../assurance/index.ts';
import { codePassed, type MethodKind } from '../factors/methods.ts';
import { checkMessages, passkeyRefused, sendProblem, sendStatus } from '../factors/outcome_texts.ts';
import { text } from '../http/form.ts';
import { enforceRateLimit, renderLocked } from '../http/guards.ts';
import { requestLanguage, useSavedLocale } from '../http/language.ts';
import { requestInfo } from '../http/request_info.ts';
import { seeOther } from '../http/see_other.ts';
import { durationPhrase, type Phrase, phrase } from '../i18n/phrase.ts';
import type { Channel } from '../model/factor.ts';
import { maskDestination } from '../notifications/mask.ts';
import type { Person } from '../person.ts';
import { completeSignIn, secondFactorAccount } from './complete_sign_in.ts';
import type { CurrentInteraction } from './current_interaction.ts';
import type { InteractionDeps } from './deps.ts';
import { rememberAfterFactor, rememberStateOf } from './remember_browser.ts';
import { stepUrl } from './respond.ts';
import { decideStep, proofOf } from './sign_in_assurance.ts';
import type { StepContext } from './step_context.ts';
import { renderUnmet } from './unmet.ts';

/** The transaction this sign-in approves, if it approves one: email and SMS codes are bound to it. */
/** The transaction to approve, in the words of the page's language (the code's message and the page alike). */
const approvalOf = (ctx: ParameterizedContext, deps: InteractionDeps, it: CurrentInteraction) =>
  deps.authorizationDetails.approvalOf(it.details.params, requestLanguage(ctx, it));

const isChannel = (method: MethodKind): method is Channel => method === 'email' || method === 'sms';

/** Each method's name on the page, as a catalog phrase. */
const methodNames: Record<MethodKind, Phrase> = {
  totp: phrase('method.totp'),
  email: phrase('method.email'),
  sms: phrase('method.sms'),
  recovery: phrase('method.recovery'),
  webauthn: phrase('method.webauthn'),
};

const methodName = (method: MethodKind) => methodNames[method];

interface PageState {
  error?: Phrase;
  notice?: Phrase;
}

/** The code state of a delivered method: where the live code went, when it expires, when to resend. */
async function deliveredState(deps: InteractionDeps, account: Person, channel: Channel) {
  const factor = (await deps.secondFactors.confirmedFactors(account.id)).find((f) => f.kind === channel);
  if (!factor?.target) return null;
  const now = deps.clock.now();
  const live = await deps.deliveredCodes.liveCode(factor.id);
  const nextSendAt = await deps.deliveredCodes.nextSendAt(account.id);
  return {
    channel,
    maskedTo: maskDestination(channel, factor.target),
    sent: live !== null,
    expiresIn: live ? durationPhrase(live.expiresAt - now) : null,
    resendIn: nextSendAt === null ? null : durationPhrase(nextSendAt - now),
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
  useSavedLocale(ctx, account);
  const others = methods.filter((m) => m !== method).map((m) => ({ kind: m, label: methodName(m) }));
  const delivered = isChannel(method) ? await deliveredState(deps, account, method) : null;
  const approval = approvalOf(ctx, deps, it);
  const passkeyOptions =
    method === 'webauthn'
      ? await deps.passkeys.authenticationOptions(it.uid, account.id, await deps.secondFactors.confirmedFactors(account.id), approval?.requested)
      : null;
  const approvals = approval?.summaries ?? [];
  // a key is tried on the page as shown, not again after it was refused or a code was
  const remember = await rememberStateOf(ctx, deps, it, account, ctx.method === 'GET' && ctx.query.remembered !== 'refused');
  await ctx.render('second_factor', { it, method, label: methodName(method), others, delivered, passkeyOptions, approvals, remember, ...state });
}

/**
 * The person who owes a factor and what the assurance service asks of them now. Redirects and
 * answers null when the page is not the next step: restart, enrolment, or unmet.
 */
async function accountAndMethods(ctx: ParameterizedContext, deps: InteractionDeps, it: CurrentInteraction) {
  const account = await secondFactorAccount(deps, it);
  if (!account) {
    seeOther(ctx, it.restart);
    return null;
  }
  const decision = await decideStep(deps, it, account.id);
  if (decision.kind === 'ask') return { account, methods: decision.methods, thenAddPasskey: decision.thenAddPasskey };
  await nextStep(ctx, deps, it, account, decision);
  return null;
}

/**
 * Follows the assurance service's decision once a factor was passed (or nothing is left to ask
 * on this page): sign in, add a passkey, or tell the person the level cannot be reached now.
 */
export async function nextStep(
  ctx: ParameterizedContext,
  deps: InteractionDeps,
  it: CurrentInteraction,
  account: Person,
  decision: SignInDecision,
  passed?: Proof,
) {
  if (decision.kind === 'pass') return completeSignIn(ctx, deps, it, account, decision.reached);
  if (decision.kind === 'ask_password') return seeOther(ctx, it.restart);
  if (decision.kind === 'unmet') return renderUnmet(ctx, deps, it, decision);
  if (passed) await deps.pendingSignIns.factorPassed(it, account.id, passed);
  if (decision.kind === 'enrol') return seeOther(ctx, stepUrl(it, decision.passkeyOnly && passed ? '/enrol/passkey' : '/enrol'));
  seeOther(ctx, stepUrl(it, '/second-factor'));
}

const rememberedRefused = phrase('second_factor.remembered_refused');

const addPasskeyNotice = (it: CurrentInteraction) => phrase('second_factor.add_passkey_notice', { app: it.clientName });

/** GET /interaction/:uid/second-factor[?method=…] */
export function showSecondFactor(deps: InteractionDeps) {
  return async (ctx: StepContext) => {
    const { step } = ctx.state;
    const found = await accountAndMethods(ctx, deps, step);
    if (!found) return;
    const lockedUntil = await deps.lockout.lockedUntil(found.account.id);
    if (lockedUntil) return renderLocked(ctx, deps, step, lockedUntil);
    const method = found.methods.find((m) => m === ctx.query.method) ?? found.methods[0];
    if (!method) throw new Error('the assurance service asked for a second factor but offered none');
    const fallbackFrom = ctx.query.fallback === 'email' || ctx.query.fallback === 'sms' ? ctx.query.fallback : null;
    const notice =
      ctx.query.remembered === 'refused'
        ? rememberedRefused
        : fallbackFrom && isChannel(method) && fallbackFrom !== method
          ? phrase('second_factor.fell_back', { from: fallbackFrom, channel: method })
          : found.thenAddPasskey
            ? addPasskeyNotice(step)
            : undefined;
    await renderSecondFactor(ctx, deps, step, found.account, found.methods, method, { notice });
  };
}

export const sendForm = z.object({ method: z.enum(['email', 'sms']) });

/** POST /interaction/:uid/second-factor/send — sends an email or SMS code (or falls back). */
export function sendSecondFactorCode(deps: InteractionDeps) {
  return async (ctx: StepContext<z.infer<typeof sendForm>>) => {
    const { step, form } = ctx.state;
    const found = await accountAndMethods(ctx, deps, step);
    if (!found) return;
    if (!found.methods.includes(form.method)) return seeOther(ctx, stepUrl(step, '/second-factor'));
    await enforceRateLimit(ctx, deps, 'codeSend', found.account.id);

    const outcome = await deps.secondFactorStep.send(
      { person: found.account, request: requestInfo(ctx), clientId: step.clientId, approval: approvalOf(ctx, deps, step), language: requestLanguage(ctx) },
      form.method,
      step.clientName,
    );
    if (outcome.kind === 'locked') return renderLocked(ctx, deps, step, outcome.until);
    if (outcome.kind === 'sent') {
      const fallback = outcome.fallbackFrom ? `&fallback=${outcome.fallbackFrom}` : '';
      return seeOther(ctx, `${stepUrl(step, '/second-factor')}?method=${outcome.channel}${fallback}`);
    }
    ctx.status = sendStatus(outcome);
    if (outcome.kind === 'cooldown' || outcome.kind === 'capped') ctx.set('Retry-After', String(Math.ceil((outcome.retryAt - deps.clock.now()) / 1000)));
    await renderSecondFactor(ctx, deps, step, found.account, found.methods, form.method, { error: sendProblem(outcome, deps.clock.now()) });
  };
}

export const codeForm = z.object({
  method: z.enum(['totp', 'email', 'sms', 'recovery']),
  code: text(64),
  // "Remember this browser": the public key (a JWK) the page's script made, when ticked
  remember: z.literal('on').optional(),
  remember_key: text(1000).optional(),
});

/** POST /interaction/:uid/second-factor — checks a code for the chosen method. */
export function submitSecondFactor(deps: InteractionDeps) {
  return async (ctx: StepContext<z.infer<typeof codeForm>>) => {
    const { step, form } = ctx.state;
    const { method } = form;
    const account = await secondFactorAccount(deps, step);
    if (!account) return seeOther(ctx, step.restart);
    // the factors read once for the whole check; recovery codes counted only when they are the method
    const confirmed = await deps.secondFactors.confirmedFactors(account.id);
    const decision = await decideStep(deps, step, account.id, undefined, { confirmed, countRecovery: method === 'recovery' });
    if (decision.kind !== 'ask' || !decision.methods.includes(method)) return seeOther(ctx, stepUrl(step, '/second-factor'));
    await enforceRateLimit(ctx, deps, 'codeCheck', account.id);

    const who = { person: account, request: requestInfo(ctx), clientId: step.clientId, approval: approvalOf(ctx, deps, step), language: requestLanguage(ctx) };
    const checked = await deps.secondFactorStep.check(who, method, form.code, confirmed);
    if (checked.kind === 'locked') return renderLocked(ctx, deps, step, checked.until);
    if (checked.kind === 'refused') {
      ctx.status = 401;
      const shown = await decideStep(deps, step, account.id, undefined, { confirmed });
      const methods = shown.kind === 'ask' ? shown.methods : decision.methods;
      return renderSecondFactor(ctx, deps, step, account, methods, method, { error: checkMessages[checked.reason] });
    }
    const passed = codePassed(method);
    const now = deps.clock.now();
    const after = await decideStep(deps, step, account.id, passed);
    await nextStep(ctx, deps, step, account, after, proofOf(passed, now, step.uid));
    if (after.kind === 'pass') await rememberAfterFactor(ctx, deps, step, account, form, now);
  };
}

export const passkeyForm = z.object({ credential: text(16_000) });

/** POST /interaction/:uid/second-factor/passkey — checks the passkey's assertion against this sign-in's challenge. */
export function submitPasskey(deps: InteractionDeps) {
  return async (ctx: StepContext<z.infer<typeof passkeyForm>>) => {
    const { step, form } = ctx.state;
    const account = await secondFactorAccount(deps, step);
    if (!account) return seeOther(ctx, step.restart);
    const decision = await decideStep(deps, step, account.id);
    if (decision.kind !== 'ask' || !decision.methods.includes('webauthn')) return seeOther(ctx, stepUrl(step, '/second-factor'));
    await enforceRateLimit(ctx, deps, 'codeCheck', account.id);
    const checked = await deps.secondFactorStep.checkPasskey(
      { person: account, request: requestInfo(ctx), clientId: step.clientId, language: requestLanguage(ctx) },
      step.uid,
      form.credential,
    );
    if (checked.kind === 'locked') return renderLocked(ctx, deps, step, checked.until);
    if (checked.kind === 'refused') {
      ctx.status = 401;
      return renderSecondFactor(ctx, deps, step, account, decision.methods, 'webauthn', { error: passkeyRefused });
    }
    await nextStep(ctx, deps, step, account, await decideStep(deps, step, account.id, checked.passed));
  };
}
