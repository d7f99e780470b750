import type { FindAccount } from 'oidc-provider';
import type { AccountStore, FactorStore } from '../store/ports.ts';

/**
 * Claims released per scope; `sub` is the account id. An email is verified when the account
 * says so (a reset link used, an emailed code, an admin's word) or it is a confirmed email
 * factor; a phone number when it is a confirmed SMS factor: proven by a code, or vouched for
 * by an admin.
 */
export function createFindAccount(accounts: AccountStore, factors: FactorStore): FindAccount {
  return async (_ctx, sub) => {
    const account = await accounts.findById(sub);
    if (!account || account.disabled) return undefined;
    return {
      accountId: account.id,
      async claims() {
        const confirmed = (await factors.listForAccount(account.id)).filter((f) => f.confirmedAt !== null);
        const proven = (kind: 'email' | 'sms', value: string | null) => confirmed.some((f) => f.kind === kind && f.target === value);
        return {
          sub: account.id,
          email: account.email,
          email_verified: account.emailVerified || proven('email', account.email),
          ...(account.phone ? { phone_number: account.phone, phone_number_verified: proven('sms', account.phone) } : {}),
        };
      },
    };
  };
}
