import type { KoaContextWithOIDC } from 'oidc-provider';
import { clientOf, isFirstParty } from './client_metadata.ts';

/**
 * oidc-provider's loadExistingGrant: first-party clients get everything they ask for
 * without a consent page; other clients keep the grant the person consented to.
 */
export async function loadExistingGrant(ctx: KoaContextWithOIDC) {
  const { oidc } = ctx;
  const client = clientOf(oidc);
  const grantId = oidc.result?.consent?.grantId ?? oidc.session?.grantIdFor(client.clientId);
  const existing = grantId ? await oidc.provider.Grant.find(grantId) : undefined;
  if (!isFirstParty(client) || !oidc.session?.accountId) return existing;

  const grant = existing ?? new oidc.provider.Grant({ clientId: client.clientId, accountId: oidc.session.accountId });
  grant.addOIDCScope([...oidc.requestParamScopes].join(' '));
  grant.addOIDCClaims([...oidc.requestParamClaims]);
  for (const [indicator, resource] of Object.entries(oidc.resourceServers ?? {})) {
    grant.addResourceScope(indicator, resource.scope);
  }
  await grant.save();
  return grant;
}
