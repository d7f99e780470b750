import type { ClientMetadata } from 'oidc-provider';

/** The account area signs people in as this client of Stepup's own. */
export const ACCOUNT_CLIENT_ID = 'stepup-account';

export const accountCallbackPath = '/account/callback';
export const accountSignedOutPath = '/account/signed-out';

/**
 * A static client in oidc-provider's configuration, never in the client store: first-party
 * (no consent page) and always with the second factor. Public with PKCE, because it
 * redeems its codes inside this process and has no secret to keep.
 */
export function accountClientMetadata(issuer: string, serviceName: string): ClientMetadata {
  return {
    client_id: ACCOUNT_CLIENT_ID,
    client_name: `${serviceName} account`,
    redirect_uris: [issuer + accountCallbackPath],
    post_logout_redirect_uris: [issuer + accountSignedOutPath],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
    first_party: true,
    mfa_policy: 'required',
  };
}
