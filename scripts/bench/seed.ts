import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { ConnectionString } from 'mongodb-connection-string-url';
import { loadConfig } from '../../src/config/load.ts';
import { buildContainer } from '../../src/container.ts';
import { createTotp } from '../../src/factors/totp.ts';
import { createLogger } from '../../src/logger.ts';
import { random } from '../../src/random.ts';
import { BENCH_PASSWORD, type BenchAccount, type BenchClient } from './sign_in_flow.ts';

/**
 * A settings file in `dataDir` that lifts the rate limits (still counted): every request of a
 * bench comes from one address. Answers its path, for STEPUP_CONFIG.
 */
export function unlimitedSettings(dataDir: string): string {
  const unlimited = { perIp: 1e9, perAccount: 1e9, windowSeconds: 60 };
  const settings = join(dataDir, 'bench-config.json');
  const limits = { login: unlimited, codeCheck: unlimited, codeSend: unlimited, passwordReset: unlimited, authorization: unlimited };
  writeFileSync(settings, JSON.stringify({ rateLimits: limits }));
  return settings;
}

/**
 * The environment of a bench Stepup on 127.0.0.1:`port`: a new at-rest key, production mode,
 * and on MongoDB a database of this run's own, since its new key can open no other run's records.
 */
export function stepupEnv(port: number, dataDir: string, mongodbUri: string | undefined) {
  return {
    ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    DATA_DIR: dataDir,
    PORT: String(port),
    ISSUER: `http://127.0.0.1:${port}`,
    LOG_LEVEL: 'warn',
    NODE_ENV: 'production',
    MONGODB_URI: mongodbUri ? runDatabase(mongodbUri) : '',
  };
}

function runDatabase(uri: string) {
  const url = new ConnectionString(uri);
  url.pathname = `/stepup_bench_${randomBytes(4).toString('hex')}`;
  return url.toString();
}

/** Drops the run's own MongoDB database, if it had one. */
export async function dropRunDatabase(env: { MONGODB_URI: string }) {
  if (!env.MONGODB_URI) return;
  const client = new MongoClient(env.MONGODB_URI);
  try {
    await client.db().dropDatabase();
  } finally {
    await client.close();
  }
}

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
    const { client, secret } = await container.clientAdmin.add({ name: 'Benchmark', redirectUris: [redirectUri], firstParty: true });
    return { accounts, client: { clientId: client.clientId, clientSecret: secret!, redirectUri } };
  } finally {
    await container.close();
  }
}
