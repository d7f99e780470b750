import type { ParameterizedContext } from 'koa';
import type { InteractionResults } from 'oidc-provider';
import { isFirstParty } from '../oidc/client_metadata.ts';
import { requestInfo } from '../http/request_info.ts';
import { type LoginResult, loginResult } from '../oidc/assurance.ts';
import type { FactorPassed } from '../otp/methods.ts';
import type { Person } from '../person.ts';
import { expiredInteraction, type CurrentInteraction } from './current_interaction.ts';
import type { InteractionDeps } from './deps.ts';
import { finishInteraction } from './respond.ts';

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
 * A sign-in succeeded: the owner hears of a browser never seen before (except at enrolment,
 * which sends its own alert). Failure counts and past lockouts are forgotten only when a
 * second factor was passed: a password-only sign-in must not reset the count of wrong codes
 * that someone with the password has been guessing in sign-ins that asked for one.
 */
export async function afterSignIn(
  ctx: ParameterizedContext,
  deps: InteractionDeps,
  it: CurrentInteraction,
  account: Person,
  { secondFactor, enrolment = false }: { secondFactor: boolean; enrolment?: boolean },
) {
  if (secondFactor) await deps.lockout.signedIn(account.id);
  const newBrowser = await deps.knownBrowsers.remember(ctx, account.id);
  if (newBrowser && !enrolment) {
    const { ip, userAgent } = requestInfo(ctx);
    await deps.alert(account, 'new_browser', { appName: it.clientName, ip, browser: userAgent ?? 'unknown' });
  }
}

/**
 * The sign-in's result for oidc-provider. A first-party client's consent goes with it, so a
 * requested prompt=consent is settled without another trip through the interaction (the
 * grant itself comes from loadExistingGrant, which gives first-party clients what they ask).
 */
export function signedIn(
  deps: InteractionDeps,
  it: CurrentInteraction,
  account: Person,
  passed: FactorPassed | null,
  passwordAt = deps.clock.now(),
): InteractionResults {
  return withConsent(it, loginResult(account.id, passed, passwordAt, deps.clock.now()));
}

/** A login result, with a first-party client's consent. */
export const withConsent = (it: CurrentInteraction, login: LoginResult): InteractionResults => ({
  login,
  ...(isFirstParty(it.client) ? { consent: {} } : {}),
});

/**
 * When the password was given: in this sign-in, or, for a step-up that asked only the second
 * factor, when the session's was (its auth_time), so max_age still asks for the password.
 */
async function passwordTime(deps: InteractionDeps, it: CurrentInteraction): Promise<number> {
  if (it.prompt !== 'second_factor') return deps.clock.now();
  const uid = it.details.session?.uid;
  const authTime = uid ? (await deps.provider.Session.findByUid(uid))?.authTime() : undefined;
  // the session ended meanwhile: the step-up has nothing left to step up
  if (authTime === undefined) throw expiredInteraction();
  return authTime * 1000;
}

/** Both factors passed: the session is created now, and only now. */
export async function completeSignIn(
  ctx: ParameterizedContext,
  deps: InteractionDeps,
  it: CurrentInteraction,
  account: Person,
  passed: FactorPassed,
  enrolment = false,
) {
  const passwordAt = await passwordTime(deps, it);
  await deps.pendingSignIns.end(it);
  await afterSignIn(ctx, deps, it, account, { secondFactor: true, enrolment });
  return finishInteraction(ctx, it, signedIn(deps, it, account, passed, passwordAt));
}
