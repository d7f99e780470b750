import type { ParameterizedContext } from 'koa';
import { z } from 'zod';
import { parseForm, text } from '../http/form.ts';
import { loginResult, needsSecondFactor } from '../oidc/assurance.ts';
import { mfaPolicyOf } from '../oidc/client_metadata.ts';
import { loadInteraction, requireCsrf, type CurrentInteraction } from './current_interaction.ts';
import type { InteractionDeps } from './deps.ts';
import { finishInteraction, seeOther, stepUrl } from './respond.ts';

const wrongCredentials = 'The email or password is not correct.';

export async function renderLogin(ctx: ParameterizedContext, it: CurrentInteraction, vars: { email?: string; error?: string } = {}) {
  const hint = typeof it.details.params.login_hint === 'string' ? it.details.params.login_hint : '';
  await ctx.render('login', { it, email: vars.email ?? hint, error: vars.error });
}

/** POST /interaction/:uid/login — the password step. */
export function submitLogin(deps: InteractionDeps) {
  const form = z.object({ email: text(320), password: text(deps.passwordMaxLength), csrf: text(200) });

  return async (ctx: ParameterizedContext) => {
    const it = await loadInteraction(ctx, deps.provider, deps.csrf);
    const { email, password, csrf } = parseForm(ctx, form);
    requireCsrf(deps.csrf, it, csrf);
    if (it.prompt !== 'login') return seeOther(ctx, stepUrl(it));

    const account = await deps.checkPassword(email, password);
    if (!account) {
      ctx.status = 401;
      return renderLogin(ctx, it, { email, error: wrongCredentials });
    }
    if (needsSecondFactor(mfaPolicyOf(it.client), it.details.params)) {
      await deps.pendingSignIns.start(it.uid, account.id, it.details.exp * 1000);
      return seeOther(ctx, stepUrl(it, '/second-factor'));
    }
    await finishInteraction(ctx, deps, { login: loginResult(account.id, null, deps.clock.now()) });
  };
}
