import pLimit from 'p-limit';
import { loadOptional } from '../optional_package.ts';

export interface Argon2Parameters {
  memoryKiB: number;
  timeCost: number;
  parallelism: number;
}

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
  /** true when the hash was made with other parameters than the configured ones */
  needsRehash(hash: string): boolean;
  /** Spends the time of a verification, for accounts that do not exist. */
  verifyDecoy(password: string): Promise<void>;
}

/** Passwords are compared after NFKC so the same text typed on any keyboard matches. */
export const normalizePassword = (password: string) => password.normalize('NFKC');

/**
 * `concurrency`: how many hashes may run at once, one per core. More would only take turns on
 * the same cores (each evicting the other's memory from the cache) and would hold the thread
 * pool that file and crypto work wait for.
 */
export async function createPasswordHasher(params: Argon2Parameters, concurrency = Number.POSITIVE_INFINITY): Promise<PasswordHasher> {
  // an optional package: only Stepup's own password sign-in hashes (a plugin host checks its passwords itself)
  const { default: argon2 } = await loadOptional('argon2', 'Hashing passwords (the standalone server and its stepup command)', () => import('argon2'));
  const slot = pLimit(concurrency);
  const options = {
    type: argon2.argon2id,
    memoryCost: params.memoryKiB,
    timeCost: params.timeCost,
    parallelism: params.parallelism,
  } as const;
  const hash = (password: string) => slot(() => argon2.hash(normalizePassword(password), options));
  const decoy = await hash('decoy password that no account has');

  return {
    hash,
    async verify(stored, password) {
      try {
        return await slot(() => argon2.verify(stored, normalizePassword(password)));
      } catch {
        return false;
      }
    },
    needsRehash: (stored) => argon2.needsRehash(stored, options),
    async verifyDecoy(password) {
      await slot(() => argon2.verify(decoy, normalizePassword(password)));
    },
  };
}
