import type { ParameterizedContext } from 'koa';
import { z } from 'zod';
import { parseForm, text } from '../http/form.ts';
import { enforceRateLimit } from '../http/guards.ts';
import { requestInfo } from '../http/request_info.ts';
import { phrase } from '../i18n/phrase.ts';
import type { AccountAreaDeps } from './deps.ts';
import { accountOf, requireAccountCsrf } from './session.ts';
import { endAccountSession } from './sign_in.ts';

/** GET /account/password */
export function showPasswordChange() {
  return async (ctx: ParameterizedContext) => {
    await ctx.render('account_password', { it: accountOf(ctx).page });
  };
}

/** POST /account/password — the current password, then the new one twice. */
export function changePassword(deps: AccountAreaDeps) {
  const max = deps.passwordMaxLength;
  const form = z.object({ current: text(max), password: text(max), confirm: text(max), csrf: text(200) });
  return async (ctx: ParameterizedContext) => {
    const { current, password, confirm, csrf } = parseForm(ctx, form);
    requireAccountCsrf(deps, ctx, csrf);
    const { account, page } = accountOf(ctx);
    await enforceRateLimit(ctx, deps, 'login', account.email);
    if (password !== confirm) {
      ctx.status = 400;
      return ctx.render('account_password', { it: page, error: phrase('password.not_same') });
    }
    const outcome = await deps.passwords.change(account, current, password, requestInfo(ctx));
    if (outcome.ok) {
      await endAccountSession(ctx, deps, accountOf(ctx).session.id);
      return ctx.render('account_message', {
        title: 'account.password_changed_title',
        message: 'account.password_changed',
        link: { href: '/account', text: 'account.sign_in_again' },
      });
    }
    ctx.status = 400;
    await ctx.render('account_password', { it: page, error: outcome.problem });
  };
}
