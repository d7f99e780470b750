import type { PasswordHasher } from '../security/password_hasher.ts';
import type { Account, AccountStore } from '../store/ports.ts';

export const normalizeEmail = (email: string) => email.trim().toLowerCase();

/**
 * Checks an email and password. Unknown email, disabled account and wrong password all
 * answer null after the same argon2 work, so neither the answer nor its timing tells them apart.
 */
export function createPasswordLogin(accounts: AccountStore, hasher: PasswordHasher) {
  return async function checkPassword(email: string, password: string): Promise<Account | null> {
    const account = await accounts.findByEmail(normalizeEmail(email));
    if (!account) {
      await hasher.verifyDecoy(password);
      return null;
    }
    const valid = await hasher.verify(account.passwordHash, password);
    if (!valid || account.disabled) return null;
    if (hasher.needsRehash(account.passwordHash)) {
      await accounts.updatePasswordHash(account.id, await hasher.hash(password));
    }
    return account;
  };
}

export type CheckPassword = ReturnType<typeof createPasswordLogin>;
