import type { ParameterizedContext } from 'koa';
import { z } from 'zod';
import { userChangesSchema } from '../admin/users.ts';
import { toRememberedBrowsersWire, toUserDetailWire, toUserWire } from '../admin/wire.ts';
import { AppError } from '../errors.ts';
import { methodLabel } from '../factors/methods.ts';
import { parseForm, text } from '../http/form.ts';
import { seeOther } from '../http/see_other.ts';
import type { ConsoleDeps } from './deps.ts';
import { fieldErrors, pageNumber, pagerOf, pagingOf, parseQuery, searchText } from './query.ts';
import { actorOf, consoleOf, renderPage } from './session.ts';

const pageSize = 25;

/** An account id from the path, refused at the edge unless it looks like one. */
const userIdOf = (ctx: ParameterizedContext) => {
  const id = String(ctx.params.userId ?? '');
  if (!/^[\w-]{1,64}$/.test(id)) throw new AppError(404, 'not_found', 'There is no person with this id.');
  return id;
};

/** Each action on a person: what the confirmation says, the admin service it calls, what is shown after. */
const actions = {
  disable: {
    title: 'Disable the account',
    consequence: 'They can no longer sign in, and every session and token of theirs ends now.',
    run: (deps: ConsoleDeps, id: string, ctx: ParameterizedContext) => deps.userAdmin.setDisabled(id, true, actorOf(ctx)),
    done: 'The account is disabled and signed out everywhere.',
  },
  enable: {
    title: 'Enable the account',
    consequence: 'They can sign in again.',
    run: (deps: ConsoleDeps, id: string, ctx: ParameterizedContext) => deps.userAdmin.setDisabled(id, false, actorOf(ctx)),
    done: 'The account is enabled.',
  },
  unlock: {
    title: 'Unlock the account',
    consequence: 'The lockout ends and the failure counts start again from zero.',
    run: (deps: ConsoleDeps, id: string, ctx: ParameterizedContext) => deps.userAdmin.unlock(id, actorOf(ctx)),
    done: 'The account is unlocked.',
  },
  'reset-second-factor': {
    title: 'Reset the second factors',
    consequence:
      'Every second factor and recovery code is removed and they are signed out everywhere; their next sign-in asks for the password, then a new second factor. They are told by email.',
    run: (deps: ConsoleDeps, id: string, ctx: ParameterizedContext) => deps.userAdmin.resetSecondFactor(id, actorOf(ctx)),
    done: 'Their second factors are reset and they are signed out everywhere.',
  },
  'revoke-sessions': {
    title: 'Sign out everywhere',
    consequence: 'Every session, grant and refresh token of theirs ends; applications are told through back-channel logout.',
    run: (deps: ConsoleDeps, id: string, ctx: ParameterizedContext) => deps.userAdmin.revokeSessions(id, actorOf(ctx)),
    done: 'They are signed out everywhere.',
  },
  roles: {
    title: 'Set the roles',
    consequence: 'The roles replace the current ones, in the roles and groups claims of their next tokens.',
    run: (deps: ConsoleDeps, id: string, ctx: ParameterizedContext) => deps.userAdmin.update(id, { roles: rolesOf(ctx) }, actorOf(ctx)),
    done: 'The roles are saved.',
  },
} as const;

type Action = keyof typeof actions;

const actionOf = (ctx: ParameterizedContext): Action => {
  const action = String(ctx.params.action);
  if (!Object.hasOwn(actions, action)) throw new AppError(404, 'not_found', 'There is no page at this address.');
  return action as Action;
};

const rolesForm = z.object({ csrf: text(200).optional(), roles: text(2000).default('') });
const rolesOf = (ctx: ParameterizedContext) =>
  parseForm(ctx, rolesForm)
    .roles.split(/[\s,]+/)
    .filter(Boolean);

export function listPeople(deps: ConsoleDeps) {
  const query = z.object({ search: searchText, page: pageNumber });
  return async (ctx: ParameterizedContext) => {
    const { search, page } = parseQuery(ctx, query, 'search');
    const found = await deps.userAdmin.list({ search, ...pagingOf(page, pageSize) });
    await renderPage(ctx, 'console_people', 'people', {
      people: found.items.map(toUserWire),
      total: found.total,
      search,
      pager: pagerOf(ctx, page, pageSize, found.total, found.items.length),
    });
  };
}

async function renderPerson(deps: ConsoleDeps, ctx: ParameterizedContext, id: string, vars: Record<string, unknown> = {}) {
  // the page shows the person as the API and the CLI do
  const person = toUserDetailWire(await deps.userAdmin.get(id));
  // a passkey knows when it was last used; for the other kinds, the last second factor of that kind accepted
  const accepted = await deps.auditQueries.query({ email: person.email, type: 'code_ok', limit: 500 });
  const lastOfKind = (kind: string) => accepted.find((e) => e.accountId === person.id && e.channel === kind)?.at;
  const methods = person.methods
    .filter((m) => m.confirmed)
    .map((m) => {
      const last = m.last_used_at ?? lastOfKind(m.kind);
      return { ...m, label: methodLabel[m.kind], lastUsed: last === undefined ? null : new Date(last).toISOString() };
    });
  const activity = await deps.recentActivity(person.id, 20);
  const locked = person.locked_until !== null && Date.parse(person.locked_until) > deps.clock.now();
  const { browsers } = toRememberedBrowsersWire(await deps.userAdmin.rememberedBrowsers(person.id));
  await renderPage(ctx, 'console_person', 'people', { person, methods, activity, locked, browsers, rolesText: person.roles.join(' '), ...vars });
}

const browserForgotten = 'The browser is forgotten: its next sign-in asks for the second factor.';
const doneText = (value: unknown) =>
  value === 'forget-browser' ? browserForgotten : typeof value === 'string' && Object.hasOwn(actions, value) ? actions[value as Action].done : undefined;

/** POST /admin/people/:userId/remembered-browsers/:browserId/forget — the browser is asked for the second factor again. */
export function forgetBrowser(deps: ConsoleDeps) {
  return async (ctx: ParameterizedContext) => {
    const id = userIdOf(ctx);
    try {
      await deps.userAdmin.forgetBrowser(id, String(ctx.params.browserId), actorOf(ctx));
    } catch (error) {
      if (!(error instanceof AppError) || error.status !== 404) throw error;
      return renderPerson(deps, ctx, id, { error: 'That browser is not remembered any more.' });
    }
    seeOther(ctx, `/admin/people/${id}?done=forget-browser`);
  };
}

export function showPerson(deps: ConsoleDeps) {
  return (ctx: ParameterizedContext) => renderPerson(deps, ctx, userIdOf(ctx), { notice: doneText(ctx.query.done) });
}

export function confirmPersonAction(deps: ConsoleDeps) {
  return async (ctx: ParameterizedContext) => {
    const action = actionOf(ctx);
    if (action === 'roles') return seeOther(ctx, `/admin/people/${userIdOf(ctx)}`);
    const { account: person } = await deps.userAdmin.get(userIdOf(ctx));
    const { title, consequence } = actions[action];
    await renderPage(ctx, 'console_confirm', 'people', {
      title,
      question: `${title}: ${person.email}?`,
      consequence,
      action: `/admin/people/${person.id}/${action}`,
      button: `${title}: ${person.email}`,
      danger: action !== 'enable' && action !== 'unlock',
      back: `/admin/people/${person.id}`,
    });
  };
}

/** POST .../roles/confirm: the roles checked against the API's rule, then a confirmation that names them. */
export function confirmRoles(deps: ConsoleDeps) {
  return async (ctx: ParameterizedContext) => {
    const id = userIdOf(ctx);
    const roles = rolesOf(ctx);
    const checked = userChangesSchema.safeParse({ roles });
    if (!checked.success) return renderPerson(deps, ctx, id, { errors: fieldErrors(checked.error), rolesText: roles.join(' ') });
    const { account: person } = await deps.userAdmin.get(id);
    const named = checked.data.roles?.join(', ') || 'no roles';
    const self = person.id === consoleOf(ctx).admin.id && !checked.data.roles?.includes('admin');
    await renderPage(ctx, 'console_confirm', 'people', {
      title: actions.roles.title,
      question: `Give ${person.email} these roles: ${named}?`,
      consequence: self ? 'These roles leave out admin: your own console session ends at once.' : actions.roles.consequence,
      action: `/admin/people/${person.id}/roles`,
      fields: { roles: checked.data.roles?.join(' ') ?? '' },
      button: `Set the roles of ${person.email}`,
      back: `/admin/people/${person.id}`,
    });
  };
}

export function personAction(deps: ConsoleDeps) {
  return async (ctx: ParameterizedContext) => {
    const action = actionOf(ctx);
    const id = userIdOf(ctx);
    try {
      await actions[action].run(deps, id, ctx);
    } catch (error) {
      if (!(error instanceof AppError) || (error.status !== 400 && error.status !== 409)) throw error;
      return renderPerson(deps, ctx, id, { error: error.message });
    }
    seeOther(ctx, `/admin/people/${id}?done=${action}`);
  };
}
