import type { AccountStore } from '../store/ports.ts';

/**
 * Marks the account's email verified once its owner has shown they read mail sent to it; an
 * address that is no longer the account's email proves nothing.
 */
export function createEmailProof(accounts: AccountStore) {
  return async (accountId: string, address: string): Promise<void> => {
    const account = await accounts.findById(accountId);
    if (account && !account.emailVerified && account.email.toLowerCase() === address.toLowerCase()) {
      await accounts.update(accountId, { emailVerified: true });
    }
  };
}
