import { z } from 'zod';
import type { Account } from '../model/account.ts';
import { keyedHash } from '../security/keyed_hash.ts';
import type { Lockout } from '../security/lockout.ts';
import type { PasswordHasher } from '../security/password_hasher.ts';
import type { AccountStore } from '../store/ports.ts';

export const normalizeEmail = (email: string) => email.trim().toLowerCase();

/** What the audit log may keep of a typed email: only an email (people type passwords there). */
export const typedEmail = (email: string) => {
  const normalized = normalizeEmail(email);
  return z.email().max(320).safeParse(normalized).success ? normalized : null;
};

export type PasswordCheck =
  | { ok: true; account: Account }
  | { ok: false; reason: 'unknown_email' | 'wrong_password' | 'disabled'; account: Account | null; lockedUntil: number | null }
  | { ok: false; reason: 'locked'; account: Account | null; lockedUntil: number };

/**
 * Checks an email and password. Unknown email, disabled account, wrong password and a
 * locked account all cost the same argon2 work and the same counting, and a locked
 * account's password is not checked at all, so neither the answer nor its timing tells
 * whether the account exists or the password was right. An email with no account is
 * counted and locked like an account, under a keyed hash of it (people type passwords there).
 */
export function createPasswordLogin(accounts: AccountStore, hasher: PasswordHasher, lockout: Lockout, hashKey: Buffer) {
  const unknownEmail = (normalized: string) => `email:${keyedHash(hashKey, `lockout:${normalized}`)}`;

  return async function checkPassword(email: string, password: string): Promise<PasswordCheck> {
    const normalized = normalizeEmail(email);
    const account = await accounts.findByEmail(normalized);
    const subject = account?.id ?? unknownEmail(normalized);
    const gate = await lockout.attempt(subject, 'password');
    if (!gate.allowed) {
      await hasher.verifyDecoy(password);
      return { ok: false, reason: 'locked', account, lockedUntil: gate.lockedUntil };
    }
    if (!account) {
      await hasher.verifyDecoy(password);
      return { ok: false, reason: 'unknown_email', account: null, lockedUntil: await lockout.failed(subject, 'password') };
    }
    if (!(await hasher.verify(account.passwordHash, password))) {
      return { ok: false, reason: 'wrong_password', account, lockedUntil: await lockout.failed(account.id, 'password') };
    }
    if (account.disabled) return { ok: false, reason: 'disabled', account, lockedUntil: null };
    await lockout.succeeded(account.id, 'password');
    if (hasher.needsRehash(account.passwordHash)) {
      await accounts.updatePasswordHash(account.id, await hasher.hash(password));
    }
    return { ok: true, account };
  };
}

export type CheckPassword = ReturnType<typeof createPasswordLogin>;
