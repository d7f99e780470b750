/**
 * Registers the two FAPI 2.0 clients the suite's fapi2-security-profile-final-test-plan needs,
 * as an admin would: private_key_jwt with a PS256 key for the first (so that the suite also
 * tries RS256 with it) and an ES256 key for the second, first-party, the password alone
 * signs in (`on-request`, like the harness's own clients), and `fapi` (`client add --fapi`). Prints the
 * suite configuration's `client`, `client2` and `resource` keys (the private keys are the
 * suite's to sign with). Same environment as `npx stepup` (DATA_DIR, STEPUP_CONFIG).
 *
 * usage: node test/conformance/fapi2_clients.ts ISSUER REDIRECT_URI_1 REDIRECT_URI_2
 * (the suite sends its second client back to a redirect URI with a query of its own)
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { loadConfig } from '../../src/config/load.ts';
import { buildAdminServices } from '../../src/container.ts';
import { createLogger } from '../../src/logger.ts';

const [issuer, ...redirectUris] = process.argv.slice(2);
if (!issuer || redirectUris.length !== 2) throw new Error('usage: fapi2_clients.ts ISSUER REDIRECT_URI_1 REDIRECT_URI_2');

const config = loadConfig();
const services = await buildAdminServices(config, createLogger({ ...config, logLevel: 'warn', env: 'production' }, 2));
try {
  const suiteClient = async (n: number, redirectUri: string, alg: 'PS256' | 'ES256') => {
    const { privateKey } = alg === 'PS256' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const kid = randomBytes(8).toString('base64url');
    const jwk = { ...privateKey.export({ format: 'jwk' }), kty: alg === 'PS256' ? ('RSA' as const) : ('EC' as const), kid, alg, use: 'sig' };
    const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = jwk;
    const created = await services.clientAdmin.add({
      name: `Conformance suite FAPI ${n}`,
      redirectUris: [redirectUri],
      firstParty: true,
      mfaPolicy: 'on-request',
      authMethod: 'private_key_jwt',
      jwks: { keys: [publicJwk] },
      fapi: true,
    });
    return { client_id: created.client.clientId, scope: 'openid email', jwks: { keys: [jwk] }, dpop_signing_alg: 'ES256' };
  };
  const [first, second] = redirectUris as [string, string];
  const suiteConfig = {
    client: await suiteClient(1, first, 'PS256'),
    client2: await suiteClient(2, second, 'ES256'),
    resource: { resourceUrl: `${issuer}/me` },
  };
  process.stdout.write(`${JSON.stringify(suiteConfig, null, 2)}\n`);
} finally {
  await services.close();
}
