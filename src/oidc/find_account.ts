import type { FindAccount } from 'oidc-provider';
import type { AccountStore } from '../store/ports.ts';

/** Claims released per scope; `sub` is the account id. */
export function createFindAccount(accounts: AccountStore): FindAccount {
  return async (_ctx, sub) => {
    const account = await accounts.findById(sub);
    if (!account || account.disabled) return undefined;
    return {
      accountId: account.id,
      async claims() {
        return {
          sub: account.id,
          email: account.email,
          // addresses are entered by admins, not proven by the person
          email_verified: false,
          ...(account.phone ? { phone_number: account.phone, phone_number_verified: false } : {}),
        };
      },
    };
  };
}
