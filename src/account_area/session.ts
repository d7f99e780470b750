import type { Middleware, ParameterizedContext } from 'koa';
import { ACCOUNT_CLIENT_ID } from '../account/account_client.ts';
import type { AccountSession } from '../account/account_sessions.ts';
import { forgedForm } from '../errors.ts';
import type { Account } from '../store/ports.ts';
import type { AccountAreaDeps } from './deps.ts';
import { accountSignIn, startSignIn } from './sign_in.ts';

/** What every account page knows: who, since when, and the page's CSRF token. */
export interface AccountState {
  session: AccountSession;
  account: Account;
  /** for the templates shared with sign-in: forms post below `base` */
  page: { base: '/account'; clientId: string; clientName: string; csrfToken: string };
}

export const accountOf = (ctx: ParameterizedContext): AccountState => ctx.state.account as AccountState;

/** A factor enrolled in the account area belongs to this sign-in to it, never to the account. */
export const enrolmentBinding = (ctx: ParameterizedContext) => `account:${accountOf(ctx).session.id}`;

/** The signed-in person, or a sign-in through Stepup (password and second factor) first. */
export function requireAccount(deps: AccountAreaDeps): Middleware {
  return async (ctx, next) => {
    const id = accountSignIn(deps).sessionId(ctx);
    const session = id ? await deps.accountSessions.find(id) : null;
    const account = session ? await deps.accounts.findById(session.accountId) : null;
    if (!session || !account || account.disabled) {
      // a form posted after the sign-in ended cannot be replayed: start again from the overview
      return startSignIn(ctx, deps, ctx.method === 'GET' ? ctx.url : '/account', false);
    }
    const page = {
      base: '/account' as const,
      clientId: ACCOUNT_CLIENT_ID,
      clientName: `${deps.serviceName} account`,
      csrfToken: deps.csrf.tokenFor(`account:${session.id}`),
    };
    ctx.state.account = { session, account, page } satisfies AccountState;
    ctx.set('Cache-Control', 'no-store');
    await next();
  };
}

/**
 * Changes to factors need a second factor passed within the last few minutes; an older one
 * sends the person to pass it again (only the second factor, not the password).
 */
export function requireFreshSecondFactor(deps: AccountAreaDeps, returnTo = '/account'): Middleware {
  return async (ctx, next) => {
    if (deps.clock.now() - accountOf(ctx).session.verifiedAt > deps.freshMs) {
      return startSignIn(ctx, deps, ctx.method === 'GET' ? ctx.url : returnTo, true);
    }
    await next();
  };
}

export function requireAccountCsrf(deps: AccountAreaDeps, ctx: ParameterizedContext, token: string) {
  if (!deps.csrf.verify(`account:${accountOf(ctx).session.id}`, token)) {
    throw forgedForm();
  }
}
