import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { JWK } from 'oidc-provider';
import type { SettingStore } from '../store/ports.ts';

export interface ProviderKeys {
  jwks: { keys: JWK[] };
  cookieKeys: string[];
}

function signingKey(kind: 'rsa' | 'ec', alg: string): JWK {
  const { privateKey } = kind === 'rsa'
    ? generateKeyPairSync('rsa', { modulusLength: 2048 })
    : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = privateKey.export({ format: 'jwk' }) as JWK;
  return { ...jwk, kid: randomBytes(8).toString('base64url'), alg, use: 'sig' };
}

/**
 * Signing keys and cookie keys live in the store, created by the first process that needs
 * them, so every process shares them and a restart logs nobody out.
 */
export async function loadProviderKeys(settings: SettingStore): Promise<ProviderKeys> {
  const existing = await settings.get<ProviderKeys>('oidc.keys');
  if (existing) return existing;
  return settings.putIfAbsent<ProviderKeys>('oidc.keys', {
    // RS256 first: the algorithm clients get unless they ask for another
    jwks: { keys: [signingKey('rsa', 'RS256'), signingKey('ec', 'ES256')] },
    cookieKeys: [randomBytes(32).toString('base64url')],
  });
}
