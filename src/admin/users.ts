import { z } from 'zod';
import { normalizeEmail } from '../account/password_login.ts';
import { type PasswordRules, passwordProblem } from '../account/password_policy.ts';
import { profileChangesSchema, rolesSchema, updateProfile } from '../account/profile.ts';
import { noRequest, type RecordAudit } from '../audit/audit.ts';
import type { Clock } from '../clock.ts';
import { badRequest, conflict, notFound } from '../errors.ts';
import { e164 } from '../factors/destinations.ts';
import { methodLabel } from '../factors/methods.ts';
import type { SecondFactors } from '../factors/registry.ts';
import { createRememberedBrowsers, type RememberedBrowser } from '../factors/remembered_browsers.ts';
import { replaceFactorsOfKind } from '../factors/replace_factors_of_kind.ts';
import { translator } from '../i18n/translator.ts';
import type { Account } from '../model/account.ts';
import type { Factor, FactorKind } from '../model/factor.ts';
import type { Alert } from '../notifications/alerts.ts';
import { random } from '../random.ts';
import type { Lockout } from '../security/lockout.ts';
import { type AccountStore, DuplicateError, type FactorStore, type RecordStore, type RecoveryCodeStore, type Store } from '../store/ports.ts';
import { type AdminActor, auditAdminChange } from './actor.ts';
import { type Page, type Paging, pageOf, parseInput } from './input.ts';

/** The admin API and CLI speak English: the shared password rules' words, in English. */
const english = translator('en');

// a pattern, not format: email, so the OpenAPI document states exactly what is accepted
const email = z.string().max(320).regex(z.regexes.email, 'must be an email address').transform(normalizeEmail);

/** A person's second factors, and how many recovery codes they have left. */
export interface UserFactors {
  factors: Factor[];
  recoveryCodesLeft: number;
}

/** A person as admins read them: the account, until when it is locked, its second factors. */
export interface UserDetail extends UserFactors {
  account: Account;
  lockedUntil: number | null;
}

/** What an action on a person did: the account after it, and how many sessions and tokens ended. */
export interface AccountOutcome {
  account: Account;
  revoked: number;
}

/** The account an update returned: null when it was deleted meanwhile. */
function stillThere(account: Account | null, ref: string): Account {
  if (!account) throw notFound(`no user ${ref}`);
  return account;
}

export const userSearchSchema = z.object({
  search: z
    .string()
    .max(320)
    .optional()
    .transform((text) => text?.trim() || undefined)
    .describe('part of an email address or phone number'),
});

export const userChangesSchema = z
  .strictObject({
    email: email.optional().describe('the new login name'),
    phone: e164.nullable().optional().describe('also the verified SMS second factor; null removes both'),
    emailCode: z.boolean().optional().describe('true makes the email a verified second factor (codes by email)'),
    emailVerified: z.boolean().optional().describe('the admin vouches for the email (true) or withdraws that (false); a new email without it is unverified'),
    profile: profileChangesSchema.optional().describe('profile claims; fields given replace the stored ones'),
    roles: rolesSchema.optional().describe('replaces the roles (the roles and groups claims)'),
  })
  .refine((changes) => Object.values(changes).some((v) => v !== undefined), 'give at least one field to change')
  .meta({ minProperties: 1 });

export type UserChanges = z.input<typeof userChangesSchema>;

export interface UserAdminDeps {
  accounts: AccountStore;
  factors: FactorStore;
  recoveryCodes: RecoveryCodeStore;
  /** for the changes to factors and recovery codes that must land together */
  transaction: Store['transaction'];
  records: RecordStore;
  /** removes one factor, never the last (the rule people meet in their account area) */
  removeFactor: SecondFactors['removeFactor'];
  hashPassword: (password: string) => Promise<string>;
  lockout: Lockout;
  audit: RecordAudit;
  alert: Alert;
  clock: Clock;
  passwordRules: PasswordRules;
}

/** People's accounts: create, read, search, change, disable, unlock, reset. Used by the CLI and the admin API. */
export function createUserAdmin(deps: UserAdminDeps) {
  const { accounts, factors, recoveryCodes, records, lockout, audit, clock } = deps;
  // the same records the sign-in pages keep them in (no challenges are issued here)
  const remembered = createRememberedBrowsers(records, clock, 0);
  const adminChange = (account: Account, detail: string, by?: AdminActor) =>
    auditAdminChange(audit, by, { accountId: account.id, email: account.email, detail });

  /** A user by id, or by email when the reference has an @. */
  const findUser = async (ref: string) => {
    const account = ref.includes('@') ? await accounts.findByEmail(normalizeEmail(ref)) : await accounts.findById(ref);
    if (!account) throw notFound(ref.includes('@') ? `no user with email ${normalizeEmail(ref)}` : `no user with id ${ref}`);
    return account;
  };

  /** An address the admin vouches for: a second factor that needs no code to confirm. */
  const setVerifiedFactor = (accountId: string, kind: 'email' | 'sms', target: string | null) =>
    deps.transaction(accountId, (tx) =>
      replaceFactorsOfKind(
        tx,
        accountId,
        kind,
        target === null
          ? null
          : {
              id: random.id(),
              accountId,
              kind,
              secretCiphertext: null,
              target,
              confirmedAt: clock.now(),
              lastTimeStep: null,
              createdAt: clock.now(),
            },
      ),
    );

  const factorsOf = async (accountId: string): Promise<UserFactors> => ({
    factors: await factors.listForAccount(accountId),
    recoveryCodesLeft: await recoveryCodes.countUnused(accountId),
  });

  const newUser = z.strictObject({
    email,
    phone: e164.optional().describe('also registered as a verified SMS second factor'),
    // checked by passwordProblem, the rule for every password; the document states it
    password: z.string().meta({
      minLength: deps.passwordRules.minLength,
      maxLength: deps.passwordRules.maxLength,
      description: 'not one of the most common passwords, nor the email address',
    }),
    emailCode: z.boolean().default(false).describe('true makes the email a verified second factor (codes by email)'),
    emailVerified: z.boolean().default(false).describe('the admin vouches that the email belongs to the user: email_verified is true'),
  });

  return {
    newUserSchema: newUser,

    async add(input: z.input<typeof newUser>): Promise<Account> {
      const { email, phone, password, emailCode, emailVerified } = parseInput(newUser, input, 'user');
      const problem = await passwordProblem(password, email, deps.passwordRules);
      if (problem) throw badRequest(`invalid user: password: ${english.t(problem)}`);
      try {
        const account = await accounts.create({
          id: random.id(12),
          email,
          phone: phone ?? null,
          passwordHash: await deps.hashPassword(password),
          emailVerified,
          createdAt: clock.now(),
        });
        if (phone) await setVerifiedFactor(account.id, 'sms', phone);
        if (emailCode) await setVerifiedFactor(account.id, 'email', email);
        await adminChange(account, 'user added');
        return account;
      } catch (error) {
        if (error instanceof DuplicateError) throw conflict(`a user with email ${email} exists`);
        throw error;
      }
    },

    async get(ref: string): Promise<UserDetail> {
      const account = await findUser(ref);
      // locked when either path is: the password (and second factor) or the passwordless passkey
      const lockedUntil = (await lockout.locks(account.id)).until;
      return { account, lockedUntil, ...(await factorsOf(account.id)) };
    },

    async list(filter: { search?: string } & Paging): Promise<Page<Account>> {
      const { search } = parseInput(userSearchSchema, { search: filter.search }, 'search');
      const { accounts: found, total } = await accounts.search({ text: search, limit: filter.limit, offset: filter.offset });
      return pageOf(found, total, filter);
    },

    async update(ref: string, input: UserChanges, by?: AdminActor): Promise<Account> {
      const changes = parseInput(userChangesSchema, input, 'user');
      const account = await findUser(ref);
      let updated: Account | null;
      try {
        // a new address is unproven unless the admin vouches for it
        const emailChanged = changes.email !== undefined && changes.email !== account.email;
        updated = await accounts.update(account.id, {
          email: changes.email,
          phone: changes.phone,
          emailVerified: changes.emailVerified ?? (emailChanged ? false : undefined),
        });
      } catch (error) {
        if (error instanceof DuplicateError) throw conflict(`a user with email ${changes.email} exists`);
        throw error;
      }
      if (!updated) throw notFound(`no user ${ref}`);
      if (changes.profile !== undefined) updated = stillThere(await updateProfile(accounts, clock, updated, changes.profile), ref);
      if (changes.roles !== undefined) updated = stillThere(await accounts.update(account.id, { roles: changes.roles }), ref);
      if (changes.phone !== undefined) await setVerifiedFactor(account.id, 'sms', changes.phone);
      const emailFactor = (await factors.listForAccount(account.id)).find((f) => f.kind === 'email');
      // the email-code factor follows the login email
      if (changes.emailCode || (changes.email !== undefined && emailFactor)) await setVerifiedFactor(account.id, 'email', updated.email);
      const what = [
        changes.email !== undefined && 'email changed',
        changes.phone !== undefined && 'phone changed',
        changes.emailCode && 'email code factor added',
        changes.emailVerified !== undefined && `email ${changes.emailVerified ? 'vouched for' : 'no longer vouched for'}`,
        changes.profile !== undefined && `profile changed: ${Object.keys(changes.profile).join(', ')}`,
        changes.roles !== undefined && `roles: ${changes.roles.join(', ') || 'none'}`,
      ];
      await adminChange(updated, what.filter(Boolean).join(', '), by);
      return updated;
    },

    /** A disabled user cannot sign in; their sessions and tokens end at once. */
    async setDisabled(ref: string, disabled: boolean, by?: AdminActor): Promise<AccountOutcome> {
      const account = await findUser(ref);
      const updated = stillThere(await accounts.update(account.id, { disabled }), ref);
      const revoked = disabled ? await records.revokeByAccountId(account.id) : 0;
      await adminChange(updated, disabled ? 'disabled' : 'enabled', by);
      return { account: updated, revoked };
    },

    /** Lifts the lockouts of every path (password, passkey) and clears the failure counts. */
    async unlock(ref: string, by?: AdminActor): Promise<{ account: Account; wasLocked: boolean }> {
      const account = await findUser(ref);
      const wasLocked = (await lockout.locks(account.id)).until !== null;
      await lockout.unlock(account.id);
      await adminChange(account, 'unlocked', by);
      return { account, wasLocked };
    },

    async methods(ref: string): Promise<UserFactors> {
      return factorsOf((await findUser(ref)).id);
    },

    /**
     * For a lost phone: every second factor and recovery code goes, and every session.
     * The next sign-in asks for the password and then enrols a new factor.
     */
    async resetSecondFactor(ref: string, by?: AdminActor): Promise<AccountOutcome & { methodsRemoved: number }> {
      const account = await findUser(ref);
      // together: never the factors gone and the recovery codes still working, or the reverse
      const existing = await deps.transaction(account.id, async (tx) => {
        const factors = await tx.factors.listForAccount(account.id);
        for (const factor of factors) await tx.factors.remove(factor.id);
        await tx.recoveryCodes.replace(account.id, [], clock.now());
        return factors;
      });
      const revoked = await records.revokeByAccountId(account.id);
      await adminChange(account, 'second factor reset', by);
      if (existing.some((f) => f.confirmedAt !== null)) await deps.alert(account, 'factor_removed', { method: 'every second factor, by an administrator' });
      return { account, methodsRemoved: existing.length, revoked };
    },

    /**
     * Removes one second factor (a lost passkey, say), never the last: `reset-2fa` is for that.
     * A credential change: the person is signed out everywhere, audited and told.
     */
    async removeMethod(ref: string, methodId: string): Promise<AccountOutcome & { removed: FactorKind }> {
      const account = await findUser(ref);
      const outcome = await deps.removeFactor(account.id, methodId);
      if (!outcome) throw notFound(`no second factor ${methodId} on ${account.email}`);
      if ('refused' in outcome) throw conflict('this is the last second factor; reset the second factor instead (the next sign-in enrols anew)');
      const revoked = await records.revokeByAccountId(account.id);
      const method = methodLabel[outcome.removed.kind];
      await adminChange(account, `second factor removed: ${method}${outcome.removed.passkey ? ` "${outcome.removed.passkey.name}"` : ''}`);
      await deps.alert(account, 'factor_removed', { method: `${method}, by an administrator` });
      return { account, removed: outcome.removed.kind, revoked };
    },

    /** The user's remembered browsers (a device-bound key each, standing in for the code), most recently used first. */
    async rememberedBrowsers(ref: string): Promise<{ account: Account; browsers: RememberedBrowser[] }> {
      const account = await findUser(ref);
      return { account, browsers: await remembered.list(account.id) };
    },

    /** Forgets one remembered browser: its next sign-in is asked for the second factor. */
    async forgetBrowser(ref: string, browserId: string, by?: AdminActor): Promise<{ account: Account; forgotten: RememberedBrowser }> {
      const account = await findUser(ref);
      const forgotten = await remembered.remove(account.id, browserId);
      if (!forgotten) throw notFound(`no remembered browser ${browserId} on ${account.email}`);
      await audit(noRequest, {
        type: 'remembered_removed',
        result: 'ok',
        accountId: account.id,
        email: account.email,
        detail: `${forgotten.name}, by an administrator`,
      });
      await adminChange(account, `remembered browser forgotten: ${forgotten.name}`, by);
      return { account, forgotten };
    },

    /** Signs the person out everywhere: sessions, grants and refresh tokens. */
    async revokeSessions(ref: string, by?: AdminActor): Promise<AccountOutcome> {
      const account = await findUser(ref);
      const revoked = await records.revokeByAccountId(account.id);
      await adminChange(account, 'sessions revoked', by);
      return { account, revoked };
    },
  };
}

export type UserAdmin = ReturnType<typeof createUserAdmin>;
