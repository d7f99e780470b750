import type { ParameterizedContext } from 'koa';
import { z } from 'zod';
import { normalizeEmail, typedEmail } from '../accounts/password_login.ts';
import { utcMinute } from '../audit/alerts.ts';
import { parseForm, text } from '../http/form.ts';
import { requestInfo } from '../http/request_info.ts';
import { needsSecondFactor } from '../oidc/assurance.ts';
import { mfaPolicyOf } from '../oidc/client_metadata.ts';
import { loadInteraction, requireCsrf, type CurrentInteraction } from './current_interaction.ts';
import type { InteractionDeps } from './deps.ts';
import { enforceRateLimit, renderLocked } from './guards.ts';
import { finishInteraction, seeOther, stepUrl } from './respond.ts';
import { afterSignIn, signedIn } from './complete_sign_in.ts';

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
    await enforceRateLimit(ctx, deps, 'login', normalizeEmail(email));

    const check = await deps.checkPassword(email, password);
    const request = requestInfo(ctx);
    const who = { accountId: check.account?.id ?? null, email: check.account?.email ?? typedEmail(email), clientId: it.clientId, channel: 'password' };
    if (!check.ok) {
      await deps.audit(request, { ...who, type: 'login_failed', result: 'failed', detail: check.reason });
      if (check.lockedUntil !== null && check.reason !== 'locked' && check.account) {
        await deps.audit(request, { ...who, type: 'lockout', result: 'ok', detail: 'password failures' });
        await deps.alert(check.account, 'lockout', { until: utcMinute(check.lockedUntil) });
      }
      if (check.lockedUntil !== null) return renderLocked(ctx, deps, it, check.lockedUntil);
      ctx.status = 401;
      return renderLogin(ctx, it, { email, error: wrongCredentials });
    }
    await deps.audit(request, { ...who, type: 'login_ok', result: 'ok' });

    const { account } = check;
    if (needsSecondFactor(mfaPolicyOf(it.client), it.details.params)) {
      await deps.pendingSignIns.start(it.uid, account.id);
      return seeOther(ctx, stepUrl(it, '/second-factor'));
    }
    await afterSignIn(ctx, deps, it, account);
    await finishInteraction(ctx, it, signedIn(deps, it, account, null));
  };
}
