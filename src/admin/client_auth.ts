import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { z } from 'zod';
import { conflict } from '../errors.ts';
import { type ClientAuthMethod, clientAuthMethods } from '../model/client.ts';

export { clientAuthMethods as authMethods };

const usesSecret = (method: unknown) => method === 'client_secret_basic' || method === 'client_secret_post';

// a public key oidc-provider can verify a client_assertion with; never a private part
const publicJwk = z
  .looseObject({ kty: z.enum(['RSA', 'EC', 'OKP']) })
  .refine((jwk) => !('d' in jwk) && !('p' in jwk) && !('k' in jwk), 'must be a public key: remove the private parts (d, p, q, ...)')
  .refine((jwk) => {
    try {
      return createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' }).type === 'public';
    } catch {
      return false;
    }
  }, 'is not a usable RSA, EC or OKP public key');

export const jwksSchema = z.strictObject({ keys: z.array(publicJwk).min(1).max(10) }).describe("the client's public keys (a JWK Set), for private_key_jwt");
// https; plain http only on this machine, for development
export const jwksUriSchema = z
  .url({ protocol: /^https?$/ })
  .max(2000)
  .refine((uri) => uri.startsWith('https://') || /^http:\/\/(localhost|127\.0\.0\.1)[:/]/.test(uri), 'must be an https URL (http only for localhost)')
  .describe('where the client publishes its public keys (https), for private_key_jwt');

export interface AuthFields {
  authMethod?: ClientAuthMethod;
  jwks?: z.output<typeof jwksSchema> | null;
  jwksUri?: string | null;
}

/** The refinement shared by new clients and changes: keys belong with private_key_jwt, and it needs one source of them. */
export function checkKeysFor(method: unknown, jwks: unknown, jwksUri: unknown): string | undefined {
  const keys = [jwks, jwksUri].filter((value) => value !== undefined && value !== null).length;
  if (method === 'private_key_jwt' && keys !== 1) return 'private_key_jwt needs exactly one of jwks and jwksUri';
  if (method !== 'private_key_jwt' && keys > 0) return 'jwks and jwksUri go only with authMethod private_key_jwt';
  return undefined;
}

/**
 * The metadata a change of authentication leads to. A client moves freely between the two
 * secret methods; between a secret and keys it is registered anew, so that no secret is
 * kept, or handed out, by a side door.
 */
export function authMetadataChange(clientId: string, current: Record<string, unknown>, fields: AuthFields): Record<string, unknown> {
  const method = fields.authMethod ?? current.token_endpoint_auth_method;
  if (method !== current.token_endpoint_auth_method && usesSecret(method) !== usesSecret(current.token_endpoint_auth_method)) {
    throw conflict(`client ${clientId} uses ${String(current.token_endpoint_auth_method)}; register a new client to use ${String(method)}`);
  }
  const jwks = fields.jwks === undefined ? current.jwks : (fields.jwks ?? undefined);
  const jwksUri = fields.jwksUri === undefined ? current.jwks_uri : (fields.jwksUri ?? undefined);
  // a new source of keys replaces the other one
  const next = { token_endpoint_auth_method: method, jwks: fields.jwksUri ? undefined : jwks, jwks_uri: fields.jwks ? undefined : jwksUri };
  const problem = checkKeysFor(method, next.jwks, next.jwks_uri);
  if (problem) throw conflict(`client ${clientId}: ${problem}`);
  return next;
}
