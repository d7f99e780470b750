import type { ClientMetadata } from 'oidc-provider';

/** The account area signs people in as this client of Stepup's own. */
export const ACCOUNT_CLIENT_ID = 'stepup-account';

export const accountCallbackPath = '/account/callback';
export const accountSignedOutPath = '/account/signed-out';

/** The admin console signs admins in as this one. */
export const CONSOLE_CLIENT_ID = 'stepup-console';

export const consoleCallbackPath = '/admin/callback';
export const consoleSignedOutPath = '/admin/signed-out';

/**
 * Stepup's own clients are static clients in oidc-provider's configuration, never in the
 * client store: first-party (no consent page) and always with the second factor. Public with
 * PKCE, because they redeem their codes inside this process and have no secret to keep.
 */
function ownClient(clientId: string, name: string, issuer: string, callbackPath: string, signedOutPath: string): ClientMetadata {
  return {
    client_id: clientId,
    client_name: name,
    redirect_uris: [issuer + callbackPath],
    post_logout_redirect_uris: [issuer + signedOutPath],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
    first_party: true,
    mfa_policy: 'required',
  };
}

export const accountClientMetadata = (issuer: string, serviceName: string) =>
  ownClient(ACCOUNT_CLIENT_ID, `${serviceName} account`, issuer, accountCallbackPath, accountSignedOutPath);

export const consoleClientMetadata = (issuer: string, serviceName: string) =>
  ownClient(CONSOLE_CLIENT_ID, `${serviceName} admin console`, issuer, consoleCallbackPath, consoleSignedOutPath);
