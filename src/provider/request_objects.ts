import type Provider from 'oidc-provider';
import type { errors, KoaContextWithOIDC } from 'oidc-provider';

/**
 * Stepup reads no request objects (`request`): oidc-provider answers `request_not_supported`,
 * which OIDC Core 6.1 allows. The answer goes back the way the application asked for it,
 * including a `response_mode` written only inside the object (the conformance suite's
 * form_post plan sends one): the mode only picks how the error reaches a redirect URI
 * oidc-provider has already checked, so it is read from the object without verifying it.
 */
export function answerRequestObjectsInTheirResponseMode(provider: Provider): void {
  provider.on('authorization.error', (ctx: KoaContextWithOIDC, error: errors.OIDCProviderError) => {
    const params = ctx.oidc.params;
    if (error.error !== 'request_not_supported' || !params || params.response_mode !== undefined || typeof params.request !== 'string') return;
    const mode = responseModeInside(params.request);
    // oidc-provider falls back to the response type's mode for one it does not know
    if (mode) params.response_mode = mode;
  });
}

function responseModeInside(requestObject: string): string | undefined {
  try {
    const claims: unknown = JSON.parse(Buffer.from(requestObject.split('.')[1] ?? '', 'base64url').toString('utf8'));
    const mode = (claims as { response_mode?: unknown } | null)?.response_mode;
    return typeof mode === 'string' ? mode : undefined;
  } catch {
    return undefined;
  }
}
