import type { Middleware, ParameterizedContext } from 'koa';
import { ACCOUNT_CLIENT_ID } from '../account/account_client.ts';
import type { AccountSession } from '../account/account_sessions.ts';
import { decideChange, type Guarded, passkeyStanding } from '../assurance/index.ts';
import { forgedForm } from '../errors.ts';
import { useSavedLocale } from '../http/language.ts';
import type { Account } from '../model/account.ts';
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
      return startSignIn(ctx, deps, ctx.method === 'GET' ? ctx.url : '/account');
    }
    const page = {
      base: '/account' as const,
      clientId: ACCOUNT_CLIENT_ID,
      clientName: `${deps.serviceName} account`,
      csrfToken: deps.csrf.tokenFor(`account:${session.id}`),
    };
    ctx.state.account = { session, account, page } satisfies AccountState;
    useSavedLocale(ctx, account);
    ctx.set('Cache-Control', 'no-store');
    await next();
  };
}

/**
 * Changing what proves a level needs that level, recently (the assurance service decides):
 * passkeys need a passkey assertion when the account has a passkey that proves phr, every other
 * factor a second factor, within the freshness period. What is missing is asked again (only
 * the factor, not the password); the person comes back to `returnTo`.
 */
export function requireFreshProof(deps: AccountAreaDeps, guarded: Guarded, returnTo = '/account'): Middleware {
  return async (ctx, next) => {
    const { session, account } = accountOf(ctx);
    const decision = decideChange({
      guarded,
      session: { acr: session.acr, secondFactorAt: session.verifiedAt },
      phrPasskey: guarded === 'passkeys' && (await accountHasPhrPasskey(deps, account.id)),
      windowMs: deps.freshMs,
      now: deps.clock.now(),
    });
    if (decision.kind === 'ask') return startSignIn(ctx, deps, ctx.method === 'GET' ? ctx.url : returnTo, decision);
    await next();
  };
}

/** Whether the account has a passkey whose assertion proves phr now. */
export async function accountHasPhrPasskey(deps: AccountAreaDeps, accountId: string) {
  return passkeyStanding(await deps.secondFactors.confirmedFactors(accountId), deps.clock.now()).phrPasskey;
}

export function requireAccountCsrf(deps: AccountAreaDeps, ctx: ParameterizedContext, token: string) {
  if (!deps.csrf.verify(`account:${accountOf(ctx).session.id}`, token)) {
    throw forgedForm();
  }
}
