import type { ParameterizedContext } from 'koa';
import { z } from 'zod';
import { normalizeEmail } from '../account/password_login.ts';
import { forgedForm } from '../errors.ts';
import { parseForm, text } from '../http/form.ts';
import { enforceRateLimit } from '../http/guards.ts';
import { requestLanguage } from '../http/language.ts';
import { requestInfo } from '../http/request_info.ts';
import { type Phrase, phrase } from '../i18n/phrase.ts';
import { random } from '../random.ts';
import type { AccountAreaDeps } from './deps.ts';

/**
 * Password reset by an emailed link, reached from the login page. Setting the new password
 * creates no session: the person then signs in with it and passes their second factor.
 */
const FORM_COOKIE = 'stepup.reset';
const uidPattern = /^[\w-]{1,64}$/;

/** The sign-in the person came from, to return to after the reset. */
const interactionOf = (value: unknown) => (typeof value === 'string' && uidPattern.test(value) ? value : null);

/** The request form has no session to bind its CSRF token to, so it binds it to a browser cookie. */
function requestFormToken(ctx: ParameterizedContext, deps: AccountAreaDeps): string {
  let nonce = ctx.cookies.get(FORM_COOKIE, { signed: true });
  if (!nonce) {
    nonce = random.id();
    ctx.cookies.set(FORM_COOKIE, nonce, {
      signed: true,
      httpOnly: true,
      sameSite: 'lax',
      secure: deps.secureCookies,
      path: '/password-reset',
      maxAge: 3_600_000,
    });
  }
  return deps.csrf.tokenFor(`reset-request:${nonce}`);
}

/** GET /password-reset[?interaction=uid] — asks for the email. */
export function showResetRequest(deps: AccountAreaDeps) {
  return async (ctx: ParameterizedContext) => {
    ctx.set('Cache-Control', 'no-store');
    await ctx.render('password_reset_request', { csrfToken: requestFormToken(ctx, deps), interaction: interactionOf(ctx.query.interaction) });
  };
}

/** POST /password-reset — the same answer whether or not the email has an account. */
export function requestReset(deps: AccountAreaDeps) {
  const form = z.object({ email: text(320), interaction: text(64).optional(), csrf: text(200) });
  return async (ctx: ParameterizedContext) => {
    const { email, interaction, csrf } = parseForm(ctx, form);
    const nonce = ctx.cookies.get(FORM_COOKIE, { signed: true });
    if (!nonce || !deps.csrf.verify(`reset-request:${nonce}`, csrf)) throw forgedForm();
    await enforceRateLimit(ctx, deps, 'passwordReset', normalizeEmail(email));
    const uid = interactionOf(interaction);
    await deps.passwords.requestReset(email, uid ? `/interaction/${uid}` : null, requestInfo(ctx), requestLanguage(ctx));
    ctx.set('Cache-Control', 'no-store');
    await ctx.render('account_message', {
      title: 'reset.check_email_title',
      message: 'reset.check_email',
    });
  };
}

const tokenOf = (ctx: ParameterizedContext) => String(ctx.params.token);
const resetCsrf = (token: string) => `reset:${token}`;

async function renderInvalidLink(ctx: ParameterizedContext) {
  ctx.status = 400;
  await ctx.render('account_message', {
    title: 'reset.invalid_title',
    message: 'reset.invalid',
    link: { href: '/password-reset', text: 'reset.request_title' },
  });
}

/** GET /password-reset/:token — the new password form (opening the link spends nothing). */
export function showResetForm(deps: AccountAreaDeps) {
  return async (ctx: ParameterizedContext) => {
    ctx.set('Cache-Control', 'no-store');
    const token = tokenOf(ctx);
    if (!(await deps.passwords.findReset(token))) return renderInvalidLink(ctx);
    await ctx.render('password_reset_form', { token, csrfToken: deps.csrf.tokenFor(resetCsrf(token)) });
  };
}

/** POST /password-reset/:token — sets the password; the person then signs in with both factors. */
export function completeReset(deps: AccountAreaDeps) {
  const max = deps.passwordMaxLength;
  const form = z.object({ password: text(max), confirm: text(max), csrf: text(200) });
  return async (ctx: ParameterizedContext) => {
    ctx.set('Cache-Control', 'no-store');
    const token = tokenOf(ctx);
    const { password, confirm, csrf } = parseForm(ctx, form);
    // no rate limit here: the token is unguessable, and only a live link reaches the password hash
    if (!deps.csrf.verify(resetCsrf(token), csrf)) throw forgedForm();
    const again = (error: Phrase) => {
      ctx.status = 400;
      return ctx.render('password_reset_form', { token, csrfToken: csrf, error });
    };
    if (password !== confirm) return again(phrase('password.not_same'));
    const outcome = await deps.passwords.completeReset(token, password, requestInfo(ctx));
    if (outcome.kind === 'invalid') return renderInvalidLink(ctx);
    if (outcome.kind === 'refused') return again(outcome.problem);
    await ctx.render('account_message', {
      title: 'reset.done_title',
      message: 'reset.done',
      link: { href: outcome.returnTo ?? '/account', text: 'reset.continue' },
    });
  };
}
