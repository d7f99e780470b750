import { z } from 'zod';
import { normalizeEmail } from '../accounts/password_login.ts';
import type { Clock } from '../clock.ts';
import { badRequest, conflict, notFound } from '../http/errors.ts';
import { random } from '../random.ts';
import { noRequest, type RecordAudit } from '../audit/audit.ts';
import type { Lockout } from '../security/lockout.ts';
import type { PasswordHasher } from '../security/password_hasher.ts';
import { DuplicateError, type Account, type AccountStore, type FactorStore } from '../store/ports.ts';

export const e164 = z.string().regex(/^\+[1-9]\d{6,14}$/, 'must be in E.164 form, like +15551234567');

export interface UserSummary {
  id: string;
  email: string;
  phone: string | null;
  disabled: boolean;
  created_at: string;
}

const summarize = (account: Account): UserSummary => ({
  id: account.id,
  email: account.email,
  phone: account.phone,
  disabled: account.disabled,
  created_at: new Date(account.createdAt).toISOString(),
});

/** Creating and listing people's accounts; used by the CLI and the admin API. */
export interface UserAdminDeps {
  accounts: AccountStore;
  factors: FactorStore;
  hasher: PasswordHasher;
  lockout: Lockout;
  audit: RecordAudit;
  clock: Clock;
  passwordMaxLength: number;
}

export function createUserAdmin({ accounts, factors, hasher, lockout, audit, clock, passwordMaxLength }: UserAdminDeps) {
  const adminChange = (account: Account, detail: string) =>
    audit(noRequest, { type: 'admin_change', result: 'ok', accountId: account.id, email: account.email, channel: 'admin', detail });
  const findUser = async (email: string) => {
    const account = await accounts.findByEmail(normalizeEmail(email));
    if (!account) throw notFound(`no user with email ${normalizeEmail(email)}`);
    return account;
  };

  /** An address the admin vouches for: a second factor that needs no code to confirm. */
  const addVerifiedFactor = async (accountId: string, kind: 'email' | 'sms', target: string) => {
    // one factor per kind: the new address replaces the old one
    for (const old of await factors.listForAccount(accountId)) if (old.kind === kind) await factors.remove(old.id);
    await addFactor(accountId, kind, target);
  };
  const addFactor = (accountId: string, kind: 'email' | 'sms', target: string) => factors.add({
    id: random.id(),
    accountId,
    kind,
    secretCiphertext: null,
    target,
    confirmedAt: clock.now(),
    lastTimeStep: null,
    createdAt: clock.now(),
  });

  const newUser = z.object({
    email: z.email().max(320),
    phone: e164.optional(),
    password: z.string().min(8, 'must be at least 8 characters').max(passwordMaxLength),
  });

  return {
    /**
     * `phone` is also registered as a verified SMS factor; `emailCode` registers the email
     * as a verified email-code factor.
     */
    async add(input: { email: string; phone?: string; password: string; emailCode?: boolean }): Promise<UserSummary> {
      const parsed = newUser.safeParse({ ...input, email: normalizeEmail(input.email) });
      if (!parsed.success) {
        throw badRequest(`invalid user: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      }
      const { email, phone, password } = parsed.data;
      try {
        const account = await accounts.create({
          id: random.id(12),
          email,
          phone: phone ?? null,
          passwordHash: await hasher.hash(password),
          createdAt: clock.now(),
        });
        if (phone) await addVerifiedFactor(account.id, 'sms', phone);
        if (input.emailCode) await addVerifiedFactor(account.id, 'email', email);
        await adminChange(account, 'user added');
        return summarize(account);
      } catch (error) {
        if (error instanceof DuplicateError) throw conflict(`a user with email ${email} exists`);
        throw error;
      }
    },
    /** Sets the phone (also the verified SMS factor) and/or makes the email a verified factor. */
    async update(email: string, changes: { phone?: string; emailCode?: boolean }): Promise<UserSummary> {
      const account = await findUser(email);
      if (changes.phone !== undefined) {
        const phone = e164.safeParse(changes.phone);
        if (!phone.success) throw badRequest(`invalid user: phone: ${phone.error.issues[0]!.message}`);
        await accounts.updatePhone(account.id, phone.data);
        await addVerifiedFactor(account.id, 'sms', phone.data);
      }
      if (changes.emailCode) await addVerifiedFactor(account.id, 'email', account.email);
      await adminChange(account, [changes.phone !== undefined && 'phone changed', changes.emailCode && 'email code factor added'].filter(Boolean).join(', '));
      return summarize((await accounts.findById(account.id))!);
    },
    /** Lifts a lockout and clears the failure counts. */
    async unlock(email: string): Promise<UserSummary & { was_locked: boolean }> {
      const account = await findUser(email);
      const wasLocked = (await lockout.lockedUntil(account.id)) !== null;
      await lockout.unlock(account.id);
      await adminChange(account, 'unlocked');
      return { ...summarize(account), was_locked: wasLocked };
    },
    async list(): Promise<UserSummary[]> {
      return (await accounts.list()).map(summarize);
    },
  };
}

export type UserAdmin = ReturnType<typeof createUserAdmin>;
