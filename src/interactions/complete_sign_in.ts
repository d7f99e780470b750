import type { ParameterizedContext } from 'koa';
import type { InteractionResults } from 'oidc-provider';
import { ACR_1FA, type Reached } from '../assurance/index.ts';
import { requestLanguage } from '../http/language.ts';
import { requestInfo } from '../http/request_info.ts';
import { seeOther } from '../http/see_other.ts';
import { APPROVED } from '../oidc/authorization_details.ts';
import { isFirstParty, mfaPolicyOf } from '../oidc/client_metadata.ts';
import { type LoginResult, loginResult } from '../oidc/login_result.ts';
import type { Person } from '../person.ts';
import type { RiskAssessment } from '../risk/adaptive_step_up.ts';
import { signalsPhrase } from '../risk/signal_words.ts';
import type { CurrentInteraction } from './current_interaction.ts';
import type { InteractionDeps } from './deps.ts';
import { saveResult } from './respond.ts';

/**
 * Who owes the second factor: the account whose password was just checked in this
 * interaction, or, for a step-up, the account of the existing password-only session.
 */
export async function secondFactorAccount(deps: InteractionDeps, it: CurrentInteraction): Promise<Person | null> {
  const accountId = (await deps.pendingSignIns.accountIdFor(it)) ?? (it.prompt === 'second_factor' ? it.details.session?.accountId : undefined);
  if (!accountId) return null;
  const account = await deps.people.findById(accountId);
  return account && !account.disabled ? account : null;
}

/**
 * A sign-in succeeded: the owner hears of a browser never seen before, or of the risk signals
 * that made it ask for the second factor (neither at enrolment, which sends its own alert).
 * Failure counts and past lockouts are forgotten only when a second factor was passed: a
 * password-only sign-in must not reset the count of wrong codes that someone with the
 * password has been guessing in sign-ins that asked for one. At an adaptive client its place is
 * learnt for adaptive step-up (made usual only by a second factor).
 */
export async function afterSignIn(
  ctx: ParameterizedContext,
  deps: InteractionDeps,
  it: CurrentInteraction,
  account: Person,
  { secondFactor, enrolment = false, risk = null }: { secondFactor: boolean; enrolment?: boolean; risk?: RiskAssessment | null },
) {
  if (secondFactor) await deps.lockout.signedIn(account.id);
  const newBrowser = await deps.knownBrowsers.remember(ctx, account.id, { secondFactor });
  // learnt where adaptive step-up reads it: other clients' sign-ins pay no storage for it
  if (mfaPolicyOf(it.client) === 'adaptive') await deps.adaptive.signedIn(ctx, account.id, { secondFactor });
  const { ip, userAgent } = requestInfo(ctx);
  const vars = { appName: it.clientName, ip, browser: userAgent ?? 'unknown' };
  if (risk && risk.signals.length > 0 && !enrolment) {
    await deps.alert(account, 'unusual_sign_in', { ...vars, unusual: unusualInWords(risk) }, requestLanguage(ctx));
  } else if (newBrowser && !enrolment) {
    await deps.alert(account, 'new_browser', vars, requestLanguage(ctx));
  }
}

/** "a new network; a new country: PT", for the owner's alert, in its language. */
const unusualInWords = (risk: RiskAssessment) => signalsPhrase(risk.signals, risk.country);

/** A login result, with a first-party client's consent. */
export const withConsent = (it: CurrentInteraction, login: LoginResult): InteractionResults => ({
  login,
  ...(isFirstParty(it.client) ? { consent: {} } : {}),
});

/**
 * The sign-in passed at the level the assurance service said it reached: the session is
 * created now, and only now. A first-party client's consent goes with it, so a requested
 * prompt=consent is settled without another trip through the interaction.
 */
export async function signIn(ctx: ParameterizedContext, deps: InteractionDeps, it: CurrentInteraction, account: Person, reached: Reached, enrolment = false) {
  const { risk } = await deps.pendingSignIns.proofsOf(it);
  await deps.pendingSignIns.end(it);
  await afterSignIn(ctx, deps, it, account, { secondFactor: reached.acr !== ACR_1FA, enrolment, risk });
  return saveResult(it, { ...withConsent(it, loginResult(account.id, reached)), ...(await approval(ctx, deps, it, account, reached)) });
}

/**
 * A transaction's details approved: the request asked for them, so it needed a second factor,
 * and the proofs that reached this level were all passed in this interaction. The result says
 * which details (their fingerprint), and the audit log what they were, in words.
 */
async function approval(ctx: ParameterizedContext, deps: InteractionDeps, it: CurrentInteraction, account: Person, reached: Reached) {
  const approved = deps.authorizationDetails.approvalOf(it.details.params);
  if (approved === undefined || reached.acr === ACR_1FA) return {};
  const detail = approved.summary.slice(0, 500);
  await deps.audit(requestInfo(ctx), { type: 'approval', result: 'ok', accountId: account.id, email: account.email, clientId: it.clientId, detail });
  return { [APPROVED]: approved.fingerprint };
}

/** signIn, and the browser sent back to the authorization endpoint. */
export async function completeSignIn(
  ctx: ParameterizedContext,
  deps: InteractionDeps,
  it: CurrentInteraction,
  account: Person,
  reached: Reached,
  enrolment = false,
) {
  const returnTo = await signIn(ctx, deps, it, account, reached, enrolment);
  seeOther(ctx, returnTo);
  return returnTo;
}
