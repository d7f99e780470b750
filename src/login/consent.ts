import type { ParameterizedContext } from 'koa';
import { z } from 'zod';
import { parseForm, text } from '../http/form.ts';
import { requestLanguage } from '../http/language.ts';
import { seeOther } from '../http/see_other.ts';
import { type Phrase, phrase } from '../i18n/phrase.ts';
import type { SignInStep } from '../plugin/stepup.ts';
import type { LoginDeps } from './deps.ts';

/** What each standard scope lets the application do, as catalog phrases; another scope is shown by its name. */
const scopeText: Record<string, Phrase> = {
  openid: phrase('consent.scope_openid'),
  email: phrase('consent.scope_email'),
  phone: phrase('consent.scope_phone'),
  profile: phrase('consent.scope_profile'),
  roles: phrase('consent.scope_roles'),
  offline_access: phrase('consent.scope_offline_access'),
};

const asList = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);

/** The API scopes this interaction asks for, by API: what "Allow" grants besides the OIDC scopes. */
const resourceScopesOf = (it: SignInStep) => (it.details.prompt.details.missingResourceScopes ?? {}) as Record<string, string[]>;

export async function renderConsent(ctx: ParameterizedContext, deps: LoginDeps, it: SignInStep) {
  const details = it.details.prompt.details;
  const scopes = asList(details.missingOIDCScope).map((scope) => scopeText[scope] ?? scope);
  // every API and scope "Allow" grants is named: nothing is granted that the page does not show
  const apis = Object.entries(resourceScopesOf(it)).map(([url, apiScopes]) => ({ url, name: deps.resourceServers[url]?.name ?? url, scopes: apiScopes }));
  await ctx.render('consent', {
    it,
    scopes,
    claims: asList(details.missingOIDCClaims),
    apis,
    approvals: deps.stepup.approvalsOf(it, requestLanguage(ctx, it)),
  });
}

/** Grants what the client asked for in this interaction and hands the grant back to oidc-provider. */
export async function grantRequested(ctx: ParameterizedContext, deps: LoginDeps, it: SignInStep) {
  const { Grant } = deps.provider;
  const newGrant = () => {
    const { session } = it.details;
    if (!session) throw new Error('consent was asked with nobody signed in');
    return new Grant({ accountId: session.accountId, clientId: it.clientId });
  };
  const grant = (it.details.grantId ? await Grant.find(it.details.grantId) : undefined) ?? newGrant();
  const details = it.details.prompt.details;
  const scopes = asList(details.missingOIDCScope);
  if (scopes.length) grant.addOIDCScope(scopes.join(' '));
  const claims = asList(details.missingOIDCClaims);
  if (claims.length) grant.addOIDCClaims(claims);
  for (const [indicator, scope] of Object.entries(resourceScopesOf(it))) grant.addResourceScope(indicator, scope.join(' '));
  seeOther(ctx, await deps.stepup.finish(it, { consent: { grantId: await grant.save() } }, { merge: true }));
}

/** POST /interaction/:uid/consent — the person allowed what the consent page listed. */
export function submitConsent(deps: LoginDeps) {
  const form = z.object({ csrf: text(200) });
  return async (ctx: ParameterizedContext) => {
    const it = await deps.stepup.interaction(ctx);
    deps.stepup.checkCsrf(it, parseForm(ctx, form).csrf);
    if (it.prompt !== 'consent') return seeOther(ctx, it.base);
    await grantRequested(ctx, deps, it);
  };
}
