import type { ParameterizedContext } from 'koa';
import { ACCOUNT_CLIENT_ID, accountCallbackPath, accountSignedOutPath } from '../account/account_client.ts';
import { createFirstPartySignIn, type FirstPartyClient } from '../account/first_party_sign_in.ts';
import { ACR_PHR, type Acr } from '../assurance/index.ts';
import { AppError } from '../errors.ts';
import { seeOther } from '../http/see_other.ts';
import { MFA_MAX_AGE } from '../oidc/interaction_policy.ts';
import type { AccountAreaDeps } from './deps.ts';

const accountClient: FirstPartyClient = {
  clientId: ACCOUNT_CLIENT_ID,
  base: '/account',
  callbackPath: accountCallbackPath,
  signedOutPath: accountSignedOutPath,
  sessionCookie: 'stepup.account',
  signInCookie: 'stepup.account.signin',
  // only pages of the account area are returned to after signing in
  safeReturn: (path) => (/^\/account(\/[\w/-]*)?(\?[\w=&-]*)?$/.test(path) ? path : '/account'),
};

export const accountSignIn = (deps: AccountAreaDeps) => createFirstPartySignIn(accountClient, deps);

/**
 * Signs in to the account area as Stepup's own client. `ask`, from the assurance service: a
 * level, with its second factor passed within `maxAgeMs` (only that factor is asked again).
 */
export function startSignIn(ctx: ParameterizedContext, deps: AccountAreaDeps, returnTo: string, ask?: { level: Acr; maxAgeMs: number }) {
  const params: Record<string, string> = ask ? { [MFA_MAX_AGE]: String(Math.floor(ask.maxAgeMs / 1000)) } : {};
  if (ask?.level === ACR_PHR) params.acr_values = ACR_PHR;
  accountSignIn(deps).start(ctx, returnTo, params);
}

const invalidCallback = () =>
  new AppError(400, 'invalid_callback', 'This sign-in to your account did not finish or has expired. Open your account again to sign in.');

/** GET /account/callback — where the authorization answers; starts the account-area session. */
export function accountCallback(deps: AccountAreaDeps) {
  return async (ctx: ParameterizedContext) => {
    const signIn = accountSignIn(deps);
    const finished = await signIn.finish(ctx);
    if (finished === 'cancelled')
      return ctx.render('account_message', {
        title: 'account.cancelled_title',
        message: 'account.cancelled',
        link: { href: '/account', text: 'account.sign_in' },
      });
    if (!finished) throw invalidCallback();
    const session = await deps.accountSessions.start(finished.accountId, finished.secondFactorAt * 1000, finished.acr, finished.sessionUid);
    signIn.setSession(ctx, session.id, deps.sessionMs);
    seeOther(ctx, finished.returnTo);
  };
}

/** Ends the account-area session here and the Stepup session through RP-initiated logout. */
export async function endAccountSession(ctx: ParameterizedContext, deps: AccountAreaDeps, sessionId: string) {
  await deps.accountSessions.end(sessionId);
  accountSignIn(deps).clearSession(ctx);
}

export const logoutUrl = (deps: AccountAreaDeps) => accountSignIn(deps).logoutUrl();
