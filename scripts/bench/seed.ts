import { createTotp } from '../../src/otp/totp.ts';
import { loadConfig } from '../../src/config/load.ts';
import { buildContainer } from '../../src/container.ts';
import { createLogger } from '../../src/logger.ts';
import { random } from '../../src/random.ts';
import { BENCH_PASSWORD, type BenchAccount, type BenchClient } from './sign_in_flow.ts';

/**
 * Accounts with a confirmed authenticator app, and one first-party client, written into the
 * store the server will open. One password hash serves every account: seeding is not measured.
 */
export async function seedStepup(
  env: Record<string, string>,
  count: number,
  redirectUri: string,
): Promise<{ accounts: BenchAccount[]; client: Omit<BenchClient, 'issuer'> }> {
  const config = loadConfig({ ...process.env, ...env, LOG_LEVEL: 'warn' });
  const container = await buildContainer(config, createLogger(config));
  try {
    const { store, cipher, hasher, clock } = container;
    const totp = createTotp(config.totp, clock);
    const passwordHash = await hasher.hash(BENCH_PASSWORD);
    const accounts: BenchAccount[] = [];
    for (let i = 0; i < count; i += 1) {
      const email = `bench-${i}-${random.id(4)}@example.com`;
      const account = await store.accounts.create({ id: random.id(12), email, phone: null, passwordHash, createdAt: clock.now() });
      const totpSecret = totp.newSecret();
      await store.factors.add({
        id: random.id(),
        accountId: account.id,
        kind: 'totp',
        secretCiphertext: cipher.encrypt(totpSecret),
        target: null,
        confirmedAt: clock.now(),
        lastTimeStep: null,
        createdAt: clock.now(),
      });
      accounts.push({ email, totpSecret });
    }
    const created = await container.clientAdmin.add({ name: 'Benchmark', redirectUris: [redirectUri], firstParty: true });
    return { accounts, client: { clientId: created.client_id, clientSecret: created.client_secret!, redirectUri } };
  } finally {
    await container.close();
  }
}
