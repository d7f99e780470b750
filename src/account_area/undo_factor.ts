import type { ParameterizedContext } from 'koa';
import { z } from 'zod';
import { factorPhrase } from '../account/factor_undo.ts';
import { forgedForm } from '../errors.ts';
import { parseForm, text } from '../http/form.ts';
import { useSavedLocale } from '../http/language.ts';
import { requestInfo } from '../http/request_info.ts';
import { phrase } from '../i18n/phrase.ts';
import type { AccountAreaDeps } from './deps.ts';

/**
 * The link in a "factor added" alert: the email is the proof, so no session is needed. Opening
 * it changes nothing (mail scanners follow links); the button on the page removes the factor.
 */
const undoCsrf = (token: string) => `undo-factor:${token}`;
// a token is 43 characters: anything much longer is not one, and is not echoed into the page
const tokenOf = (value: unknown) => (typeof value === 'string' && value.length <= 64 ? value : '');

async function renderInvalidLink(ctx: ParameterizedContext) {
  ctx.status = 400;
  await ctx.render('account_message', {
    title: 'undo.invalid_title',
    message: 'undo.invalid',
    link: { href: '/account', text: 'undo.go_to_account' },
    // the link's token is in the address: no switcher echoes it
    languageLinks: [],
  });
}

/** GET /account/undo-factor?token= — names the factor and asks to confirm. */
export function showFactorUndo(deps: AccountAreaDeps) {
  return async (ctx: ParameterizedContext) => {
    ctx.set('Cache-Control', 'no-store');
    const token = tokenOf(ctx.query.token);
    const found = await deps.factorUndo.findUndo(token);
    if (!found) return renderInvalidLink(ctx);
    useSavedLocale(ctx, found.account);
    await ctx.render('undo_factor', {
      token,
      csrfToken: deps.csrf.tokenFor(undoCsrf(token)),
      factor: factorPhrase(found.factor),
      email: found.account.email,
      languageLinks: [],
    });
  };
}

/** POST /account/undo-factor — removes the factor and signs the account out everywhere. */
export function undoFactor(deps: AccountAreaDeps) {
  const form = z.object({ token: text(64), csrf: text(200) });
  return async (ctx: ParameterizedContext) => {
    ctx.set('Cache-Control', 'no-store');
    const { token, csrf } = parseForm(ctx, form);
    // no session to bind to: like the password reset form, the CSRF token is bound to the link's token
    if (!deps.csrf.verify(undoCsrf(token), csrf)) throw forgedForm();
    const outcome = await deps.factorUndo.redeem(token, requestInfo(ctx));
    if (outcome.kind === 'invalid') return renderInvalidLink(ctx);
    await ctx.render('account_message', {
      title: 'undo.done_title',
      message: phrase('undo.done', { factor: outcome.shown, wasLast: outcome.wasLast ? 'yes' : 'no' }),
      link: { href: '/password-reset', text: 'reset_email.link' },
    });
  };
}
