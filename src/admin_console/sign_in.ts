import type { ParameterizedContext } from 'koa';
import { CONSOLE_CLIENT_ID, consoleCallbackPath, consoleSignedOutPath } from '../account/account_client.ts';
import { createFirstPartySignIn, type FirstPartyClient } from '../account/first_party_sign_in.ts';
import { ACR_PHR, decideChange, passkeyStanding } from '../assurance/index.ts';
import { AppError } from '../errors.ts';
import { seeOther } from '../http/see_other.ts';
import type { Account } from '../model/account.ts';
import { MFA_MAX_AGE } from '../oidc/interaction_policy.ts';
import type { ConsoleDeps } from './deps.ts';

export const ADMIN_ROLE = 'admin';

const consoleClient: FirstPartyClient = {
  clientId: CONSOLE_CLIENT_ID,
  base: '/admin',
  callbackPath: consoleCallbackPath,
  signedOutPath: consoleSignedOutPath,
  sessionCookie: 'stepup.console',
  sessionSameSite: 'strict',
  signInCookie: 'stepup.console.signin',
  // only console pages (never /admin/api, never another site) are returned to after signing in
  safeReturn: (path) => (/^\/admin(\/(?!api\b)[\w/-]*)?(\?[\w=&%.@+-]*)?$/.test(path) && !path.includes('//') ? path : '/admin'),
};

export const consoleSignIn = (deps: ConsoleDeps) => createFirstPartySignIn(consoleClient, deps);

/**
 * Starts a console sign-in. The second factor must have been passed within the idle timeout:
 * a Stepup session left open for days elsewhere does not open the console without it.
 */
export function startConsoleSignIn(ctx: ParameterizedContext, deps: ConsoleDeps, returnTo: string, params: Record<string, string> = {}) {
  consoleSignIn(deps).start(ctx, returnTo, { [MFA_MAX_AGE]: String(Math.floor(deps.idleMs / 1000)), ...params });
}

export const isAdmin = (account: Account | null): account is Account => account !== null && !account.disabled && account.roles.includes(ADMIN_ROLE);

/** The page for a signed-in person without the admin role: nothing of the console. */
export async function refuseNonAdmin(ctx: ParameterizedContext) {
  ctx.status = 403;
  ctx.set('Cache-Control', 'no-store');
  await ctx.render('console_refused', {});
}

const invalidCallback = () =>
  new AppError(400, 'invalid_callback', 'This sign-in to the admin console did not finish or has expired. Open the console again to sign in.');

/**
 * GET /admin/callback: starts a console session for an admin only, and only at the strongest
 * level the admin can reach: an admin with a passkey signs in with it (phr), else 2fa.
 */
export function consoleCallback(deps: ConsoleDeps) {
  return async (ctx: ParameterizedContext) => {
    const signIn = consoleSignIn(deps);
    const finished = await signIn.finish(ctx);
    if (finished === 'cancelled')
      return ctx.render('account_message', {
        title: 'Sign-in cancelled',
        message: 'You cancelled signing in to the admin console.',
        link: { href: '/admin', text: 'Sign in to the admin console' },
      });
    if (!finished) throw invalidCallback();
    const account = await deps.accounts.findById(finished.accountId);
    if (!isAdmin(account)) return refuseNonAdmin(ctx);
    // the strongest the admin can prove, recently: a passkey that proves phr when they have one
    const decision = decideChange({
      guarded: 'console',
      session: { acr: finished.acr, secondFactorAt: finished.secondFactorAt * 1000 },
      phrPasskey: passkeyStanding(await deps.factors.listForAccount(account.id), deps.clock.now()).phrPasskey,
      windowMs: deps.idleMs,
      now: deps.clock.now(),
    });
    if (decision.kind === 'ask') return startConsoleSignIn(ctx, deps, finished.returnTo, decision.level === ACR_PHR ? { acr_values: ACR_PHR } : {});
    const session = await deps.consoleSessions.start(account.id, finished.secondFactorAt * 1000, finished.acr, finished.sessionUid);
    signIn.setSession(ctx, session.id);
    seeOther(ctx, finished.returnTo);
  };
}
