import type { Middleware, ParameterizedContext } from 'koa';
import { z } from 'zod';
import { CONSOLE_CLIENT_ID } from '../account/account_client.ts';
import { ACR_2FA, ACR_PHR, type ChangeDecision, decideChange, passkeyStanding, phrFromOf } from '../assurance/index.ts';
import { utcMinute } from '../dates.ts';
import { sendProblem } from '../factors/outcome_texts.ts';
import { requestInfo } from '../http/request_info.ts';
import { seeOther } from '../http/see_other.ts';
import { translator } from '../i18n/translator.ts';
import type { Channel, Factor } from '../model/factor.ts';
import type { ConsoleDeps } from './deps.ts';
import { consoleOf, renderPage } from './session.ts';

/**
 * The console's dangerous actions (another person's factors, roles, sign-in or account; the
 * keys; a client's secret or its removal) need a fresh proof of the admin: a passkey that
 * proves phr within console.freshSeconds when the admin has one, else a second factor. It is
 * asked on a console page, never by leaving the console, and a proof renews the session's
 * level and time. Recovery codes do not count here: they are for getting back in.
 */
export const confirmPath = '/admin/confirm-it-is-you';

type Method = 'webauthn' | 'totp' | Channel;

async function standing(deps: ConsoleDeps, ctx: ParameterizedContext) {
  const { session, admin } = consoleOf(ctx);
  const factors = (await deps.factors.listForAccount(admin.id)).filter((f) => f.confirmedAt !== null);
  const now = deps.clock.now();
  const decision = decideChange({
    guarded: 'console',
    session: { acr: session.acr, secondFactorAt: session.verifiedAt },
    phrPasskey: passkeyStanding(factors, now).phrPasskey,
    windowMs: deps.freshMs,
    now,
  });
  return { decision, factors, now };
}

/** The methods that give the level asked: only passkeys that prove phr now, for phr. */
function usable(factors: Factor[], decision: Extract<ChangeDecision, { kind: 'ask' }>, now: number) {
  const passkeys = factors.filter((f) => f.kind === 'webauthn' && f.passkey && (decision.level !== ACR_PHR || phrFromOf(f) <= now));
  const codes = decision.level === ACR_PHR ? [] : factors.filter((f) => f.kind === 'totp' || f.kind === 'email' || f.kind === 'sms');
  return { passkeys, methods: [...new Set(codes.map((f) => f.kind as Method))] };
}

/** Only a console page of this site is returned to. */
export function returnPathOf(value: unknown): string {
  if (typeof value !== 'string' || !value.startsWith('/admin')) return '/admin';
  const url = new URL(value, 'http://stepup.invalid');
  if (url.origin !== 'http://stepup.invalid' || !(url.pathname === '/admin' || url.pathname.startsWith('/admin/'))) return '/admin';
  return `${url.pathname}${url.search}`;
}

/**
 * Guards a dangerous action: without a fresh enough proof the admin is sent to confirm it is
 * them and then back to the action's page (a form posted meanwhile is not replayed: its page
 * is shown again to submit).
 */
export function requireFreshProof(deps: ConsoleDeps): Middleware {
  return async (ctx, next) => {
    const { decision } = await standing(deps, ctx);
    if (decision.kind === 'allow') return next();
    const back = ctx.method === 'GET' ? ctx.url : ctx.path.replace(/\/confirm$/, '');
    seeOther(ctx, `${confirmPath}?return=${encodeURIComponent(back)}`);
  };
}

const binding = (ctx: ParameterizedContext) => `console-proof:${consoleOf(ctx).session.id}`;

/** The console is not translated: the shared send problems in English. */
const english = translator('en');

async function renderConfirm(ctx: ParameterizedContext, deps: ConsoleDeps, vars: { error?: string; notice?: string; sentBy?: Channel } = {}) {
  const { decision, factors, now } = await standing(deps, ctx);
  const back = returnPathOf(ctx.query.return ?? (ctx.request as { body?: { return?: unknown } }).body?.return);
  if (decision.kind === 'allow') return seeOther(ctx, back);
  const { passkeys, methods } = usable(factors, decision, now);
  const passkeyOptions = passkeys.length > 0 ? await deps.passkeys.authenticationOptions(binding(ctx), consoleOf(ctx).admin.id, passkeys) : null;
  await renderPage(ctx, 'console_fresh_proof', '', {
    back,
    phr: decision.level === ACR_PHR,
    windowMinutes: Math.round(decision.maxAgeMs / 60_000),
    passkeyOptions,
    methods,
    ...vars,
  });
}

/** GET /admin/confirm-it-is-you?return=…: the proof a dangerous action asks for. */
export const showFreshProof = (deps: ConsoleDeps) => (ctx: ParameterizedContext) => renderConfirm(ctx, deps);

/** The session proved itself again now, at `acr`. */
async function renew(ctx: ParameterizedContext, deps: ConsoleDeps, acr: string) {
  const { session } = consoleOf(ctx);
  await deps.consoleSessions.touch({ ...session, verifiedAt: deps.clock.now(), acr });
  seeOther(ctx, returnPathOf((ctx.request as { body?: { return?: unknown } }).body?.return));
}

const lockedText = (until: number) => `Too many failed attempts. Try again after ${utcMinute(until)} UTC.`;
const refusedText = 'That did not work. Try again.';

/** POST /admin/confirm-it-is-you/passkey */
export function confirmWithPasskey(deps: ConsoleDeps) {
  return async (ctx: ParameterizedContext) => {
    const { admin } = consoleOf(ctx);
    const credential = z
      .string()
      .max(20_000)
      .safeParse((ctx.request as { body?: { credential?: unknown } }).body?.credential);
    if (!credential.success) return renderConfirm(ctx, deps, { error: refusedText });
    const checked = await deps.secondFactorStep.checkPasskey(
      { person: admin, request: requestInfo(ctx), clientId: CONSOLE_CLIENT_ID },
      binding(ctx),
      credential.data,
    );
    if (checked.kind === 'locked') return renderConfirm(ctx, deps, { error: lockedText(checked.until) });
    if (checked.kind === 'refused') return renderConfirm(ctx, deps, { error: 'That passkey could not be used. Try again.' });
    // a passkey still on hold proves only the second factor
    const phr = checked.passed.phrFrom !== undefined && checked.passed.phrFrom <= deps.clock.now();
    await renew(ctx, deps, phr ? ACR_PHR : ACR_2FA);
  };
}

const codeForm = z.object({ method: z.enum(['totp', 'email', 'sms']), code: z.string().trim().min(1).max(20) });

/** POST /admin/confirm-it-is-you/code: a code from the app, or one sent by email or SMS. */
export function confirmWithCode(deps: ConsoleDeps) {
  return async (ctx: ParameterizedContext) => {
    const { admin } = consoleOf(ctx);
    const { decision, factors, now } = await standing(deps, ctx);
    const form = codeForm.safeParse((ctx.request as { body?: unknown }).body);
    // a code never gives phr: with a passkey that proves it, only the passkey is asked
    if (!form.success || decision.kind === 'allow' || !usable(factors, decision, now).methods.includes(form.data.method))
      return renderConfirm(ctx, deps, { error: refusedText });
    const checked = await deps.secondFactorStep.check(
      { person: admin, request: requestInfo(ctx), clientId: CONSOLE_CLIENT_ID },
      form.data.method,
      form.data.code,
      factors,
    );
    if (checked.kind === 'locked') return renderConfirm(ctx, deps, { error: lockedText(checked.until) });
    if (checked.kind === 'refused') return renderConfirm(ctx, deps, { error: refusedText });
    await renew(ctx, deps, ACR_2FA);
  };
}

const sendForm = z.object({ method: z.enum(['email', 'sms']) });

/** POST /admin/confirm-it-is-you/send: a code by email or SMS, for the code form. */
export function sendConfirmationCode(deps: ConsoleDeps) {
  return async (ctx: ParameterizedContext) => {
    const { admin } = consoleOf(ctx);
    const { decision, factors, now } = await standing(deps, ctx);
    const form = sendForm.safeParse((ctx.request as { body?: unknown }).body);
    if (!form.success || decision.kind === 'allow' || !usable(factors, decision, now).methods.includes(form.data.method))
      return renderConfirm(ctx, deps, { error: refusedText });
    const sent = await deps.secondFactorStep.send(
      { person: admin, request: requestInfo(ctx), clientId: CONSOLE_CLIENT_ID },
      form.data.method,
      `${deps.serviceName} admin console`,
    );
    if (sent.kind === 'locked') return renderConfirm(ctx, deps, { error: lockedText(sent.until) });
    if (sent.kind === 'sent') return renderConfirm(ctx, deps, { notice: `A code was sent to ${sent.maskedTo}.`, sentBy: sent.channel });
    if (sent.kind === 'failed') return renderConfirm(ctx, deps, { error: 'The code could not be sent. Try another way.' });
    if (sent.kind === 'refused') return renderConfirm(ctx, deps, { error: english.t(sendProblem(sent, deps.clock.now())) });
    return renderConfirm(ctx, deps, { error: `Wait until ${utcMinute(sent.retryAt)} UTC before asking for another code.` });
  };
}
