import type { Middleware, ParameterizedContext } from 'koa';
import type { AccountSession } from '../account/account_sessions.ts';
import type { AdminActor } from '../admin/actor.ts';
import { forgedForm } from '../errors.ts';
import { requestInfo } from '../http/request_info.ts';
import type { Account } from '../model/account.ts';
import type { ConsoleDeps } from './deps.ts';
import { isCrossSiteNavigation, renderSameSiteHop } from './same_site_hop.ts';
import { consoleSignIn, isAdmin, refuseNonAdmin, startConsoleSignIn } from './sign_in.ts';

/** What every console page knows: the admin, their session, and the page's CSRF token. */
export interface ConsoleState {
  session: AccountSession;
  admin: Account;
  csrfToken: string;
}

export const consoleOf = (ctx: ParameterizedContext): ConsoleState => ctx.state.console as ConsoleState;

/** The admin behind a change, for its audit event. */
export const actorOf = (ctx: ParameterizedContext): AdminActor => ({ accountId: consoleOf(ctx).admin.id, ...requestInfo(ctx) });

const csrfBinding = (session: AccountSession) => `console:${session.id}`;

/**
 * Every console request: a live console session (idle for less than the timeout, its Stepup
 * session still there), an account that has the admin role now (a role taken away ends the
 * console at the next request), and on every POST the session's CSRF token.
 */
export function requireAdmin(deps: ConsoleDeps): Middleware {
  return async (ctx, next) => {
    ctx.set('Cache-Control', 'no-store');
    const signIn = consoleSignIn(deps);
    const id = signIn.sessionId(ctx);
    const session = id ? await deps.consoleSessions.find(id) : null;
    if (!session) {
      // a link from another site came without the Strict cookie: hop to this site, don't sign in again
      if (isCrossSiteNavigation(ctx)) return renderSameSiteHop(ctx);
      // a form posted after the session ended cannot be replayed: start again from the dashboard
      return startConsoleSignIn(ctx, deps, ctx.method === 'GET' ? ctx.url : '/admin');
    }
    const admin = await deps.accounts.findById(session.accountId);
    if (!isAdmin(admin)) {
      await deps.consoleSessions.end(session.id);
      signIn.clearSession(ctx);
      return refuseNonAdmin(ctx);
    }
    if (ctx.method === 'POST' && !deps.csrf.verify(csrfBinding(session), (ctx.request as { body?: { csrf?: unknown } }).body?.csrf)) throw forgedForm();
    await deps.consoleSessions.touch(session);
    ctx.state.console = { session, admin, csrfToken: deps.csrf.tokenFor(csrfBinding(session)) } satisfies ConsoleState;
    await next();
  };
}

/** Renders a console page with what its layout needs: the admin and the CSRF token for its forms. */
export function renderPage(ctx: ParameterizedContext, view: string, section: string, vars: Record<string, unknown> = {}) {
  const { admin, csrfToken } = consoleOf(ctx);
  return ctx.render(view, { it: { admin, csrfToken }, section, ...vars });
}
