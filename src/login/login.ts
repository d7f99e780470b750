import type { ParameterizedContext } from 'koa';
import { z } from 'zod';
import { normalizeEmail } from '../account/password_login.ts';
import { parseForm, text } from '../http/form.ts';
import { requestInfo } from '../http/request_info.ts';
import { enforceRateLimit, renderLocked } from '../http/guards.ts';
import { seeOther } from '../http/see_other.ts';
import type { SignInStep } from '../plugin/stepup.ts';
import type { LoginDeps } from './deps.ts';

const wrongCredentials = 'The email or password is not correct.';

export async function renderLogin(ctx: ParameterizedContext, it: SignInStep, vars: { email?: string; error?: string } = {}) {
  const hint = typeof it.details.params.login_hint === 'string' ? it.details.params.login_hint : '';
  await ctx.render('login', { it, email: vars.email ?? hint, error: vars.error });
}

/** POST /interaction/:uid/login — the password step. */
export function submitLogin(deps: LoginDeps) {
  const form = z.object({ email: text(320), password: text(deps.passwordMaxLength), csrf: text(200) });

  return async (ctx: ParameterizedContext) => {
    const it = await deps.stepup.interaction(ctx);
    const { email, password, csrf } = parseForm(ctx, form);
    deps.stepup.checkCsrf(it, csrf);
    if (it.prompt !== 'login') return seeOther(ctx, it.base);
    await enforceRateLimit(ctx, deps, 'login', normalizeEmail(email));

    const outcome = await deps.passwordStep(email, password, requestInfo(ctx), it.clientId);
    if (outcome.kind === 'locked') return renderLocked(ctx, deps, it, outcome.until);
    if (outcome.kind === 'wrong') {
      ctx.status = 401;
      return renderLogin(ctx, it, { email, error: wrongCredentials });
    }
    // Stepup takes over: the second factor when this sign-in needs one, else a password-only session
    seeOther(ctx, await deps.stepup.passwordAccepted(ctx, outcome.account.id));
  };
}
