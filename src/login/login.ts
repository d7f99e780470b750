import type { ParameterizedContext } from 'koa';
import { z } from 'zod';
import { normalizeEmail } from '../account/password_login.ts';
import { passkeyRefused } from '../factors/outcome_texts.ts';
import { parseForm, text } from '../http/form.ts';
import { enforceRateLimit, renderLocked } from '../http/guards.ts';
import { requestLanguage } from '../http/language.ts';
import { requestInfo } from '../http/request_info.ts';
import { seeOther } from '../http/see_other.ts';
import { type Phrase, phrase } from '../i18n/phrase.ts';
import type { SignInStep } from '../plugin/stepup.ts';
import type { LoginDeps } from './deps.ts';

const wrongCredentials = phrase('login.wrong_credentials');

/**
 * The login page: email and password, and "Sign in with a passkey" with a fresh challenge of
 * this interaction. After a passkey that was not enough, only the password of its account.
 */
export async function renderLogin(ctx: ParameterizedContext, deps: LoginDeps, it: SignInStep, vars: { email?: string; error?: Phrase } = {}) {
  const owedBy = await deps.stepup.passwordOwed(it);
  if (owedBy) return ctx.render('login', { it, email: owedBy, passwordOwed: true, error: vars.error });
  const hint = typeof it.details.params.login_hint === 'string' ? it.details.params.login_hint : '';
  const passkeyOptions = await deps.stepup.passkeys.signInOptions(it.uid);
  await ctx.render('login', { it, email: vars.email ?? hint, error: vars.error, passkeyOptions });
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

    const outcome = await deps.passwordStep(email, password, requestInfo(ctx), it.clientId, requestLanguage(ctx));
    if (outcome.kind === 'locked') return renderLocked(ctx, deps, it, outcome.until);
    if (outcome.kind === 'wrong') {
      ctx.status = 401;
      return renderLogin(ctx, deps, it, { email, error: wrongCredentials });
    }
    // Stepup takes over: the second factor when this sign-in needs one, else a password-only session
    seeOther(ctx, await deps.stepup.passwordAccepted(ctx, outcome.account.id));
  };
}

/** POST /interaction/:uid/passkey — a passwordless sign-in: the assertion of a discoverable passkey. */
export function submitPasskey(deps: LoginDeps) {
  const form = z.object({ credential: text(16_000), csrf: text(200) });

  return async (ctx: ParameterizedContext) => {
    const it = await deps.stepup.interaction(ctx);
    const { credential, csrf } = parseForm(ctx, form);
    deps.stepup.checkCsrf(it, csrf);
    if (it.prompt !== 'login') return seeOther(ctx, it.base);
    await enforceRateLimit(ctx, deps, 'login', null);

    const outcome = await deps.passkeySignIn(it.uid, credential, requestInfo(ctx), it.clientId, requestLanguage(ctx));
    if (outcome.kind === 'locked') return renderLocked(ctx, deps, it, outcome.until);
    if (outcome.kind === 'refused') {
      ctx.status = 401;
      return renderLogin(ctx, deps, it, { error: passkeyRefused });
    }
    seeOther(ctx, await deps.stepup.passkeyAccepted(ctx, outcome.account.id, outcome.passed, outcome.userVerified));
  };
}
