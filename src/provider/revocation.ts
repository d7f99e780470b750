import { errors, type KoaContextWithOIDC } from 'oidc-provider';

/**
 * Only the client a token was issued to may revoke it: oidc-provider's default rule, stated
 * here so it is ours (and oidc-provider prints no notice asking for a policy at start). A
 * public client is answered as if it had worked, as RFC 7009 allows; others are told.
 */
export const revocation = {
  enabled: true as const,
  allowedPolicy: async (_ctx: KoaContextWithOIDC, client: { clientId: string; clientAuthMethod?: string }, token: { clientId?: string }) => {
    if (token.clientId === client.clientId) return true;
    if (client.clientAuthMethod === 'none') return false;
    throw new errors.InvalidRequest('client is not authorized to revoke the presented token');
  },
};
