import type { ParameterizedContext } from 'koa';
import { z } from 'zod';
import { methodKey } from '../factors/methods.ts';
import { parseForm, text } from '../http/form.ts';
import { requestInfo } from '../http/request_info.ts';
import { seeOther } from '../http/see_other.ts';
import { type Phrase, phrase } from '../i18n/phrase.ts';
import { personTextFrom } from '../person_text.ts';
import type { AccountAreaDeps } from './deps.ts';
import { accountOf, requireAccountCsrf } from './session.ts';
import { endAccountSession, logoutUrl } from './sign_in.ts';

const csrfForm = z.object({ csrf: text(200) });

/** Fixed notices named in the overview's query, so nothing typed is ever echoed. */
const notices: Record<string, Phrase> = {
  'factor-added': phrase('account.notice_factor_added'),
  'factor-removed': phrase('account.notice_factor_removed'),
  'name-changed': phrase('account.notice_name_changed'),
  'passkey-renamed': phrase('account.notice_passkey_renamed'),
  'browser-forgotten': phrase('account.notice_browser_forgotten'),
};

async function renderOverview(ctx: ParameterizedContext, deps: AccountAreaDeps, error?: Phrase) {
  const { account, page } = accountOf(ctx);
  const factors = (await deps.secondFactors.confirmedFactors(account.id)).map((f) => ({
    id: f.id,
    label: methodKey[f.kind],
    target: f.target,
    added: f.createdAt,
    passkey: f.passkey ? { name: f.passkey.name, lastUsed: f.passkey.lastUsedAt === null ? null : f.passkey.lastUsedAt } : null,
  }));
  const notice = typeof ctx.query.done === 'string' ? notices[ctx.query.done] : undefined;
  const rememberedBrowsers = (await deps.rememberedBrowsers.list(account.id)).map((b) => ({
    keyId: b.keyId,
    name: b.name,
    firstUsed: b.firstUsedAt,
    lastUsed: b.lastUsedAt,
    until: b.expiresAt,
    place: b.place ?? null,
  }));
  const recoveryCodesLeft = await deps.secondFactors.recoveryCodesLeft(account.id);
  await ctx.render('account', { it: page, account, factors, rememberedBrowsers, recoveryCodesLeft, notice, error });
}

/** GET /account — what is enrolled, and what can be done. */
export const showOverview = (deps: AccountAreaDeps) => (ctx: ParameterizedContext) => renderOverview(ctx, deps);

const removalRefused = {
  last: phrase('account.remove_last'),
  unknown: phrase('account.factor_gone'),
};

/** POST /account/factors/:id/remove — never the last factor. */
export function removeFactor(deps: AccountAreaDeps) {
  return async (ctx: ParameterizedContext) => {
    requireAccountCsrf(deps, ctx, parseForm(ctx, csrfForm).csrf);
    const { account } = accountOf(ctx);
    const outcome = await deps.selfService.removeFactor(account, String(ctx.params.id), requestInfo(ctx));
    if (outcome === 'removed') return seeOther(ctx, '/account?done=factor-removed');
    ctx.status = outcome === 'unknown' ? 404 : 409;
    await renderOverview(ctx, deps, removalRefused[outcome]);
  };
}

const renameForm = z.object({ csrf: text(200), name: text(1000) });

/** POST /account/passkeys/:id/name — a passkey's new name. */
export function renamePasskey(deps: AccountAreaDeps) {
  return async (ctx: ParameterizedContext) => {
    const { csrf, name } = parseForm(ctx, renameForm);
    requireAccountCsrf(deps, ctx, csrf);
    if (await deps.selfService.renamePasskey(accountOf(ctx).account, String(ctx.params.id), personTextFrom(name, 60), requestInfo(ctx))) {
      return seeOther(ctx, '/account?done=passkey-renamed');
    }
    ctx.status = 404;
    await renderOverview(ctx, deps, removalRefused.unknown);
  };
}

/** POST /account/remembered-browsers/:id/remove — the browser is asked for a second factor again. */
export function forgetBrowser(deps: AccountAreaDeps) {
  return async (ctx: ParameterizedContext) => {
    requireAccountCsrf(deps, ctx, parseForm(ctx, csrfForm).csrf);
    const { account } = accountOf(ctx);
    const forgotten = await deps.rememberedBrowsers.remove(account.id, String(ctx.params.id));
    if (!forgotten) {
      ctx.status = 404;
      return renderOverview(ctx, deps, phrase('account.browser_gone'));
    }
    await deps.audit(requestInfo(ctx), {
      type: 'remembered_removed',
      result: 'ok',
      accountId: account.id,
      email: account.email,
      detail: `${forgotten.name}, by the person`,
    });
    seeOther(ctx, '/account?done=browser-forgotten');
  };
}

/** POST /account/recovery-codes — new codes, shown once; the old ones stop working. */
export function replaceRecoveryCodes(deps: AccountAreaDeps) {
  return async (ctx: ParameterizedContext) => {
    requireAccountCsrf(deps, ctx, parseForm(ctx, csrfForm).csrf);
    const recoveryCodes = await deps.selfService.replaceRecoveryCodes(accountOf(ctx).account, requestInfo(ctx));
    await ctx.render('recovery_codes', { recoveryCodes, continueUrl: '/account' });
  };
}

/** GET /account/activity — the person's own recent sign-ins and security events. */
export function showActivity(deps: AccountAreaDeps) {
  return async (ctx: ParameterizedContext) => {
    const { account, page } = accountOf(ctx);
    await ctx.render('account_activity', { it: page, rows: await deps.recentActivity(account.id) });
  };
}

/** POST /account/sign-out-everywhere — every session and refresh token ends, this one too. */
export function signOutEverywhere(deps: AccountAreaDeps) {
  return async (ctx: ParameterizedContext) => {
    requireAccountCsrf(deps, ctx, parseForm(ctx, csrfForm).csrf);
    const { account, session } = accountOf(ctx);
    await deps.selfService.signOutEverywhere(account, requestInfo(ctx));
    await endAccountSession(ctx, deps, session.id);
    await ctx.render('account_message', {
      title: 'account.signed_out_everywhere_title',
      message: 'account.signed_out_everywhere',
      link: { href: '/account', text: 'account.sign_in_again' },
    });
  };
}

/** POST /account/sign-out — ends this sign-in, here and at Stepup. */
export function signOut(deps: AccountAreaDeps) {
  return async (ctx: ParameterizedContext) => {
    requireAccountCsrf(deps, ctx, parseForm(ctx, csrfForm).csrf);
    await endAccountSession(ctx, deps, accountOf(ctx).session.id);
    seeOther(ctx, logoutUrl(deps));
  };
}
