import type { ParameterizedContext } from 'koa';
import { type FactorPassed, methodLabel } from '../otp/methods.ts';
import { requestInfo } from '../http/request_info.ts';
import { ACR_PHR, requiredLevel } from '../oidc/assurance.ts';
import { mfaPolicyOf } from '../oidc/client_metadata.ts';
import type { Person } from '../person.ts';
import type { CurrentInteraction } from './current_interaction.ts';
import type { StepContext } from './step_context.ts';
import type { InteractionDeps } from './deps.ts';
import { seeOther } from '../http/see_other.ts';
import { stepUrl } from './respond.ts';
import { completeSignIn, secondFactorAccount } from './complete_sign_in.ts';

/**
 * Enrolment during sign-in is only for an account with no second factor yet, or one that
 * passed its second factor in this sign-in and must now add a passkey: once a factor exists,
 * adding another requires passing it first. Redirects and answers null otherwise.
 */
export async function enrollingAccount(ctx: ParameterizedContext, deps: InteractionDeps, it: CurrentInteraction): Promise<Person | null> {
  const account = await secondFactorAccount(deps, it);
  if (!account) {
    seeOther(ctx, it.restart);
    return null;
  }
  if ((await deps.secondFactors.methodsFor(account.id)).length > 0 && !(await deps.pendingSignIns.factorPassed(it))) {
    seeOther(ctx, stepUrl(it, '/second-factor'));
    return null;
  }
  return account;
}

/** The first factor is stored with its recovery codes: sign in, and show the codes once. */
export async function finishEnrolment(
  ctx: ParameterizedContext,
  deps: InteractionDeps,
  it: CurrentInteraction,
  account: Person,
  passed: FactorPassed,
  recoveryCodes: string[],
) {
  const { method } = passed;
  await deps.audit(requestInfo(ctx), { type: 'enrolment', result: 'ok', accountId: account.id, email: account.email, clientId: it.clientId, channel: method });
  await deps.alert(account, 'factor_added', { method: methodLabel[method] });
  const continueUrl = await completeSignIn(ctx, deps, it, account, passed, true);
  if (recoveryCodes.length > 0) {
    ctx.status = 200;
    await ctx.render('recovery_codes', { it, recoveryCodes, continueUrl });
  }
}

/** GET /interaction/:uid/enrol — choose the first second factor. */
export function showEnrolmentChoice(deps: InteractionDeps) {
  return async (ctx: StepContext) => {
    const it = ctx.state.step;
    if (!(await enrollingAccount(ctx, deps, it))) return;
    const passkeyOnly = requiredLevel(mfaPolicyOf(it.client), it.details.params) === ACR_PHR;
    await ctx.render('enrol_choice', { it, channels: deps.enrollableChannels, passkeyOnly });
  };
}
