import type { ParameterizedContext } from 'koa';
import { z } from 'zod';
import { parseForm, text } from '../http/form.ts';
import { loadInteraction, requireCsrf, type CurrentInteraction } from './current_interaction.ts';
import type { InteractionDeps } from './deps.ts';
import { finishInteraction, seeOther, stepUrl } from './respond.ts';

const scopeText: Record<string, string> = {
  openid: 'Know who you are',
  email: 'See your email address',
  phone: 'See your phone number',
  profile: 'See your name, username and language',
  roles: 'See your roles and groups',
  offline_access: 'Stay signed in while you are away',
};

const asList = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);

export async function renderConsent(ctx: ParameterizedContext, it: CurrentInteraction) {
  const details = it.details.prompt.details;
  const scopes = asList(details.missingOIDCScope).map((scope) => scopeText[scope] ?? scope);
  await ctx.render('consent', { it, scopes, claims: asList(details.missingOIDCClaims) });
}

/** Grants what the client asked for in this interaction and hands the grant back to oidc-provider. */
export async function grantRequested(ctx: ParameterizedContext, deps: InteractionDeps, it: CurrentInteraction) {
  const { Grant } = deps.provider;
  const grant = (it.details.grantId ? await Grant.find(it.details.grantId) : undefined)
    ?? new Grant({ accountId: it.details.session!.accountId, clientId: it.clientId });
  const details = it.details.prompt.details;
  const scopes = asList(details.missingOIDCScope);
  if (scopes.length) grant.addOIDCScope(scopes.join(' '));
  const claims = asList(details.missingOIDCClaims);
  if (claims.length) grant.addOIDCClaims(claims);
  const resourceScopes = (details.missingResourceScopes ?? {}) as Record<string, string[]>;
  for (const [indicator, scope] of Object.entries(resourceScopes)) grant.addResourceScope(indicator, scope.join(' '));
  await finishInteraction(ctx, it, { consent: { grantId: await grant.save() } }, true);
}

/** POST /interaction/:uid/consent — the person allowed what the consent page listed. */
export function submitConsent(deps: InteractionDeps) {
  const form = z.object({ csrf: text(200) });
  return async (ctx: ParameterizedContext) => {
    const it = await loadInteraction(ctx, deps.provider, deps.csrf);
    requireCsrf(deps.csrf, it, parseForm(ctx, form).csrf);
    if (it.prompt !== 'consent') return seeOther(ctx, stepUrl(it));
    await grantRequested(ctx, deps, it);
  };
}

/** POST /interaction/:uid/abort — the person cancels; the client gets access_denied. */
export function abortInteraction(deps: InteractionDeps) {
  const form = z.object({ csrf: text(200) });
  return async (ctx: ParameterizedContext) => {
    const it = await loadInteraction(ctx, deps.provider, deps.csrf);
    requireCsrf(deps.csrf, it, parseForm(ctx, form).csrf);
    await deps.pendingSignIns.end(it.uid);
    await finishInteraction(ctx, it, { error: 'access_denied', error_description: 'The person cancelled the sign-in.' });
  };
}
