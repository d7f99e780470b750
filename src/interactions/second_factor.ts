import type { ParameterizedContext } from 'koa';
import { z } from 'zod';
import { parseForm, text } from '../http/form.ts';
import { loginResult } from '../oidc/assurance.ts';
import { methodLabel, type MethodKind } from '../otp/methods.ts';
import type { Account } from '../store/ports.ts';
import { loadInteraction, requireCsrf, type CurrentInteraction } from './current_interaction.ts';
import type { InteractionDeps } from './deps.ts';
import { finishInteraction, seeOther, stepUrl } from './respond.ts';

const methodKinds = ['totp', 'email', 'sms', 'recovery'] as const;
const codeForm = z.object({ method: z.enum(methodKinds), code: text(64), csrf: text(200) });

/**
 * Who owes the second factor: the account whose password was just checked in this
 * interaction, or, for a step-up, the account of the existing password-only session.
 */
export async function secondFactorAccount(deps: InteractionDeps, it: CurrentInteraction): Promise<Account | null> {
  const accountId = (await deps.pendingSignIns.accountIdFor(it.uid))
    ?? (it.prompt === 'second_factor' ? it.details.session?.accountId : undefined);
  if (!accountId) return null;
  const account = await deps.accounts.findById(accountId);
  return account && !account.disabled ? account : null;
}

/** Both factors passed: the session is created now, and only now. */
export async function completeSignIn(ctx: ParameterizedContext, deps: InteractionDeps, it: CurrentInteraction, account: Account, method: MethodKind) {
  await deps.pendingSignIns.end(it.uid);
  return finishInteraction(ctx, deps, { login: loginResult(account.id, method, deps.clock.now()) });
}

async function renderSecondFactor(ctx: ParameterizedContext, it: CurrentInteraction, methods: MethodKind[], method: MethodKind, error?: string) {
  const others = methods.filter((m) => m !== method).map((m) => ({ kind: m, label: methodLabel[m] }));
  await ctx.render('second_factor', { it, method, label: methodLabel[method], others, error });
}

/** GET /interaction/:uid/second-factor[?method=…] */
export function showSecondFactor(deps: InteractionDeps) {
  return async (ctx: ParameterizedContext) => {
    const it = await loadInteraction(ctx, deps.provider, deps.csrf);
    const account = await secondFactorAccount(deps, it);
    if (!account) return seeOther(ctx, stepUrl(it));
    const methods = await deps.secondFactors.methodsFor(account.id);
    if (methods.length === 0) return seeOther(ctx, stepUrl(it, '/enrol/totp'));
    const asked = methods.find((m) => m === ctx.query.method);
    await renderSecondFactor(ctx, it, methods, asked ?? methods[0]!);
  };
}

/** POST /interaction/:uid/second-factor — checks a code for the chosen method. */
export function submitSecondFactor(deps: InteractionDeps) {
  return async (ctx: ParameterizedContext) => {
    const it = await loadInteraction(ctx, deps.provider, deps.csrf);
    const { method, code, csrf } = parseForm(ctx, codeForm);
    requireCsrf(deps.csrf, it, csrf);
    const account = await secondFactorAccount(deps, it);
    if (!account) return seeOther(ctx, stepUrl(it));
    const methods = await deps.secondFactors.methodsFor(account.id);
    if (!methods.includes(method)) return seeOther(ctx, stepUrl(it, '/second-factor'));

    const passed = method === 'recovery'
      ? await deps.secondFactors.useRecoveryCode(account.id, code)
      : method === 'totp' && (await deps.secondFactors.verifyTotp(account.id, code.trim()));
    if (!passed) {
      ctx.status = 401;
      return renderSecondFactor(ctx, it, methods, method, 'That code is not valid. Check it and try again.');
    }
    await completeSignIn(ctx, deps, it, account, method);
  };
}
