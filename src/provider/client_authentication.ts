import type Provider from 'oidc-provider';
import { errors, type KoaContextWithOIDC } from 'oidc-provider';
import type { Logger } from 'pino';
import { clientAuthMethods } from '../model/client.ts';

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

/** The longest a private_key_jwt client assertion may live: its replay record is kept as long. */
export const clientAssertionMaxSeconds = 300;
/** Clock skew allowed on top, as oidc-provider allows on the assertion's own times. */
const clockSkewSeconds = 15;

/**
 * oidc-provider's check of a client assertion's claims, plus a cap on its lifetime: an
 * assertion valid for years could be replayed at another endpoint of ours until then, and its
 * jti kept in the replay store for as long. The clock tolerance covers skew. FAPI 2.0's
 * audience and algorithm rules are checked before, for FAPI clients (oidc/fapi_profile.ts).
 */
export async function assertClientAssertionClaims(_ctx: KoaContextWithOIDC, claims: { exp?: number }): Promise<void> {
  const now = Math.floor(Date.now() / 1000);
  if (typeof claims.exp === 'number' && claims.exp - now > clientAssertionMaxSeconds + clockSkewSeconds) {
    throw new errors.InvalidClientAuth(`the client_assertion must expire within ${clientAssertionMaxSeconds} seconds`);
  }
}
