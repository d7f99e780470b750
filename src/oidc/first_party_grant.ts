import type { KoaContextWithOIDC } from 'oidc-provider';
import { isFirstParty } from './client_metadata.ts';

/**
 * oidc-provider's loadExistingGrant: first-party clients get everything they ask for
 * without a consent page; other clients keep the grant the person consented to.
 */
export async function loadExistingGrant(ctx: KoaContextWithOIDC) {
  const { oidc } = ctx;
  const grantId = oidc.result?.consent?.grantId ?? oidc.session!.grantIdFor(oidc.client!.clientId);
  const existing = grantId ? await oidc.provider.Grant.find(grantId) : undefined;
  if (!isFirstParty(oidc.client!) || !oidc.session?.accountId) return existing;

  const grant = existing ?? new oidc.provider.Grant({ clientId: oidc.client!.clientId, accountId: oidc.session.accountId });
  grant.addOIDCScope([...oidc.requestParamScopes].join(' '));
  grant.addOIDCClaims([...oidc.requestParamClaims]);
  for (const [indicator, resource] of Object.entries(oidc.resourceServers ?? {})) {
    grant.addResourceScope(indicator, resource.scope);
  }
  await grant.save();
  return grant;
}
