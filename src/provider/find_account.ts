import type { FindAccount } from 'oidc-provider';
import { profileClaims } from '../account/profile.ts';
import type { Account } from '../model/account.ts';
import { putsScopeClaimsInIdToken } from '../oidc/client_metadata.ts';
import type { AccountStore, FactorStore } from '../store/ports.ts';

/**
 * Claims released per scope; `sub` is the account id. An email is verified when the account
 * says so (a reset link used, an emailed code, an admin's word) or it is a confirmed email
 * factor; a phone number when it is a confirmed SMS factor: proven by a code, or vouched for
 * by an admin.
 */
export function createFindAccount(accounts: AccountStore, factors: FactorStore): FindAccount {
  return async (ctx, sub) => {
    const account = await accounts.findById(sub);
    if (!account || account.disabled) return undefined;
    return {
      accountId: account.id,
      async claims(use, scope, requested) {
        // factors prove an email or a phone number: read only when a verified claim may be released
        const mayRelease = (claim: string, scopeName: string) => scope.split(' ').includes(scopeName) || claim in (requested ?? {});
        const verified = { email: mayRelease('email_verified', 'email'), phone: mayRelease('phone_number_verified', 'phone') };
        // OIDC Core 5.4: scope claims go to userinfo; into the ID token only for clients that
        // ask for it (id_token_claims) or when the claims parameter names them
        if (use === 'id_token' && !(ctx.oidc.client && putsScopeClaimsInIdToken(ctx.oidc.client))) {
          return { sub: account.id, ...(await pick(factors, account, Object.keys(requested ?? {}), verified)) };
        }
        return { sub: account.id, ...(await pick(factors, account, undefined, verified)) };
      },
    };
  };
}

/** Every claim of the account, or only the named ones; a verified claim only when it may be released. */
async function pick(
  factors: FactorStore,
  account: Account,
  names: string[] | undefined,
  verified: { email: boolean; phone: boolean },
): Promise<Record<string, unknown>> {
  const confirmed = verified.email || verified.phone ? (await factors.listForAccount(account.id)).filter((f) => f.confirmedAt !== null) : [];
  const proven = (kind: 'email' | 'sms', value: string | null) => confirmed.some((f) => f.kind === kind && f.target === value);
  const all: Record<string, unknown> = {
    email: account.email,
    ...(verified.email ? { email_verified: account.emailVerified || proven('email', account.email) } : {}),
    ...(account.phone ? { phone_number: account.phone, ...(verified.phone ? { phone_number_verified: proven('sms', account.phone) } : {}) } : {}),
    ...profileClaims(account),
  };
  return names ? Object.fromEntries(Object.entries(all).filter(([name]) => names.includes(name))) : all;
}
