import type { ParameterizedContext } from 'koa';
import { type FactorPassed, methodKey } from '../factors/methods.ts';
import { requestLanguage, useSavedLocale } from '../http/language.ts';
import { requestInfo } from '../http/request_info.ts';
import { seeOther } from '../http/see_other.ts';
import type { Person } from '../person.ts';
import { secondFactorAccount, signIn } from './complete_sign_in.ts';
import type { CurrentInteraction } from './current_interaction.ts';
import type { InteractionDeps } from './deps.ts';
import { stepUrl } from './respond.ts';
import { decideStep, proofOf } from './sign_in_assurance.ts';
import type { StepContext } from './step_context.ts';
import { renderUnmet } from './unmet.ts';

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
  if ((await deps.secondFactors.methodsFor(account.id)).length > 0 && !(await deps.pendingSignIns.hasPassedFactor(it))) {
    seeOther(ctx, stepUrl(it, '/second-factor'));
    return null;
  }
  useSavedLocale(ctx, account);
  return account;
}

/**
 * A factor added in this sign-in: audited, and its owner told at once, with a link that removes
 * it (a relay that planted its own factor is undone from the email).
 */
async function factorAdded(
  ctx: ParameterizedContext,
  deps: InteractionDeps,
  it: CurrentInteraction,
  account: Person,
  method: FactorPassed['method'],
  factorId: string,
  recoveryCodes: string[],
) {
  await deps.audit(requestInfo(ctx), { type: 'enrolment', result: 'ok', accountId: account.id, email: account.email, clientId: it.clientId, channel: method });
  const undo = (await deps.undoLinks?.(account.id, factorId, recoveryCodes.length > 0)) ?? {};
  await deps.alert(account, 'factor_added', { method: methodKey[method], ...undo }, requestLanguage(ctx));
}

/**
 * A factor confirmed by a code from it (an app's, or one delivered to the address) is stored:
 * that code is the factor's first use, so the sign-in goes on from there; the recovery codes
 * of a first factor are shown once on the way.
 */
export async function finishEnrolment(
  ctx: ParameterizedContext,
  deps: InteractionDeps,
  it: CurrentInteraction,
  account: Person,
  passed: FactorPassed,
  factorId: string,
  recoveryCodes: string[],
) {
  await factorAdded(ctx, deps, it, account, passed.method, factorId, recoveryCodes);
  const decision = await decideStep(deps, it, account.id, passed);
  if (decision.kind === 'unmet') return renderUnmet(ctx, deps, it, decision, recoveryCodes);
  let continueUrl: string;
  if (decision.kind === 'pass') continueUrl = await signIn(ctx, deps, it, account, decision.reached, true);
  else {
    // a phishing-resistant application: the factor passed, a passkey is still to be added
    await deps.pendingSignIns.factorPassed(it, account.id, proofOf(passed, deps.clock.now(), it.uid));
    continueUrl = stepUrl(it, decision.kind === 'enrol' ? '/enrol/passkey' : '/second-factor');
  }
  await showCodesThen(ctx, it, recoveryCodes, continueUrl);
}

/** The recovery codes of a first factor, shown once, before going on to `continueUrl`. */
async function showCodesThen(ctx: ParameterizedContext, it: CurrentInteraction, recoveryCodes: string[], continueUrl: string) {
  if (recoveryCodes.length === 0) return seeOther(ctx, continueUrl);
  await ctx.render('recovery_codes', { it, recoveryCodes, continueUrl });
}

/**
 * A passkey registered in this sign-in proves nothing yet (DESIGN: a credential proves a level
 * only when it is used): the sign-in asks for it once more, or, for an application that needs
 * phr, which a passkey added in this sign-in never proves, ends unmet.
 */
export async function finishPasskeyEnrolment(
  ctx: ParameterizedContext,
  deps: InteractionDeps,
  it: CurrentInteraction,
  account: Person,
  factorId: string,
  recoveryCodes: string[],
) {
  await factorAdded(ctx, deps, it, account, 'webauthn', factorId, recoveryCodes);
  const decision = await decideStep(deps, it, account.id);
  if (decision.kind === 'unmet') return renderUnmet(ctx, deps, it, decision, recoveryCodes);
  await showCodesThen(ctx, it, recoveryCodes, `${stepUrl(it, '/second-factor')}?method=webauthn`);
}

/** GET /interaction/:uid/enrol — choose the first second factor. */
export function showEnrolmentChoice(deps: InteractionDeps) {
  return async (ctx: StepContext) => {
    const it = ctx.state.step;
    const account = await enrollingAccount(ctx, deps, it);
    if (!account) return;
    const decision = await decideStep(deps, it, account.id);
    await ctx.render('enrol_choice', { it, channels: deps.enrollableChannels, passkeyOnly: decision.kind === 'enrol' && decision.passkeyOnly });
  };
}
