import type { Factor, Passkey } from '../../src/model/factor.ts';

/**
 * A passkey factor written straight into the store, as no public surface can make one: a
 * browser's WebAuthn ceremony is the only way in, and these tests need names it would refuse.
 */
export function plantedPasskey(accountId: string, at: number, passkey: Partial<Passkey> & { name: string }, id = `passkey-${at}`): Factor {
  return {
    id,
    accountId,
    kind: 'webauthn',
    secretCiphertext: null,
    target: null,
    confirmedAt: at,
    lastTimeStep: null,
    createdAt: at,
    passkey: {
      credentialId: `cred-${at}`,
      publicKey: 'pk',
      counter: 0,
      transports: [],
      synced: false,
      backedUp: false,
      userVerified: true,
      lastUsedAt: null,
      ...passkey,
    },
  };
}
