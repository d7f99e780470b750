import type Provider from 'oidc-provider';
import type { errors, KoaContextWithOIDC } from 'oidc-provider';
import type { Logger } from 'pino';

/** How a confidential client may be registered to authenticate; discovery lists these and `none`. */
export const clientAuthMethods = ['client_secret_basic', 'client_secret_post', 'private_key_jwt'] as const;
export type ClientAuthMethod = (typeof clientAuthMethods)[number];
export const advertisedClientAuthMethods = [...clientAuthMethods, 'none'] as const;

/** client_assertion algorithms for private_key_jwt; HS256 (client_secret_jwt) is not offered. */
export const clientAssertionAlgs = ['RS256', 'PS256', 'ES256', 'EdDSA'] as const;

interface ClientAuthError {
  error?: string;
  error_detail?: string;
  cause?: { message?: string };
}

/**
 * oidc-provider answers every failed client authentication with "client authentication
 * failed" and keeps the reason to itself. Relying parties' developers need the reason (a
 * secret sent by POST to a client registered for Basic, an expired assertion...): it goes
 * to the log and into error_description. A secret or assertion itself is never in either.
 */
export function explainClientAuthFailures(provider: Provider, logger: Logger): void {
  const explain = (endpoint: string) => (ctx: KoaContextWithOIDC, error: errors.OIDCProviderError) => {
    const err = error as ClientAuthError;
    if (err.error !== 'invalid_client') return;
    const client = ctx.oidc.client;
    let reason = err.error_detail ?? err.cause?.message ?? 'unknown reason';
    if (client && reason.startsWith('the provided authentication mechanism')) {
      reason = `the client is registered for ${client.clientAuthMethod}, and the request authenticated otherwise`;
    }
    logger.warn({ endpoint, clientId: client?.clientId ?? ctx.oidc.params?.client_id, reason }, 'client authentication failed');
    const body = ctx.body as { error?: string; error_description?: string } | undefined;
    if (body?.error === 'invalid_client') body.error_description = `client authentication failed: ${reason}`;
  };
  // every endpoint that authenticates the client
  provider.on('grant.error', explain('token'));
  provider.on('introspection.error', explain('introspection'));
  provider.on('revocation.error', explain('revocation'));
  provider.on('pushed_authorization_request.error', explain('pushed_authorization_request'));
}
