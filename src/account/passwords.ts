import type { Logger } from 'pino';
import type { RecordAudit, RequestInfo } from '../audit/audit.ts';
import type { Clock } from '../clock.ts';
import type { Language } from '../i18n/languages.ts';
import { messageLanguage } from '../i18n/negotiate.ts';
import { type Phrase, phrase } from '../i18n/phrase.ts';
import type { Account } from '../model/account.ts';
import type { Alert, SendEmailTo } from '../notifications/alerts.ts';
import type { ResetMessages } from '../notifications/messages.ts';
import { savedLocaleOf } from '../person.ts';
import { random } from '../random.ts';
import { keyedHash, safeEqual } from '../security/keyed_hash.ts';
import type { PasswordHasher } from '../security/password_hasher.ts';
import type { AccountStore, RecordStore } from '../store/ports.ts';
import { ACCOUNT_CLIENT_ID } from './account_client.ts';
import { type CheckPassword, normalizeEmail, typedEmail } from './password_login.ts';
import { type PasswordRules, passwordProblem } from './password_policy.ts';

const resetKind = 'PasswordReset';
const tokenPattern = /^[A-Za-z0-9_-]{43}$/;

export interface PasswordDeps {
  accounts: AccountStore;
  records: RecordStore;
  hasher: PasswordHasher;
  checkPassword: CheckPassword;
  sendEmailTo: SendEmailTo;
  resetMessages: ResetMessages;
  alert: Alert;
  audit: RecordAudit;
  hashKey: Buffer;
  clock: Clock;
  logger: Logger;
  rules: PasswordRules;
  resetTtlMs: number;
  issuer: string;
}

export type ChangeOutcome = { ok: true } | { ok: false; problem: Phrase; lockedUntil?: number };
export type ResetOutcome = { kind: 'done'; returnTo: string | null } | { kind: 'invalid' } | { kind: 'refused'; problem: Phrase };

/** Changing a password, and resetting a forgotten one by an emailed link. Knows nothing of HTTP. */
export function createPasswords(deps: PasswordDeps) {
  const { accounts, records, clock, audit } = deps;
  // the link's token is stored only as a keyed hash, like every other code
  const recordId = (token: string) => keyedHash(deps.hashKey, `reset:${token}`);
  // a link resets the password it was asked for, for the address it was sent to:
  // a change of either since (a new password, an admin moving the account) ends it
  const issuedFor = (account: Account) => keyedHash(deps.hashKey, `reset-for:${JSON.stringify([account.passwordHash, account.email])}`);
  const who = (account: Account) => ({ accountId: account.id, email: account.email, clientId: ACCOUNT_CLIENT_ID, channel: 'password' });

  async function findReset(token: string) {
    if (!tokenPattern.test(token)) return null;
    const record = await records.find(resetKind, recordId(token));
    if (!record || record.consumedAt !== null) return null;
    const account = await accounts.findById(String(record.payload.accountId));
    if (!account || account.disabled) return null;
    const fingerprint = record.payload.issuedFor;
    if (typeof fingerprint !== 'string' || !safeEqual(fingerprint, issuedFor(account))) return null;
    return { account, returnTo: typeof record.payload.returnTo === 'string' ? record.payload.returnTo : null };
  }

  return {
    /**
     * The current password proves it is the owner (wrong guesses count toward the lockout).
     * Like a reset, a change ends every session, token, pending sign-in and enrolment of the
     * account, this one too: whoever knew the old password is out.
     */
    async change(account: Account, current: string, next: string, request: RequestInfo): Promise<ChangeOutcome> {
      const check = await deps.checkPassword(account.email, current);
      if (!check.ok) {
        await audit(request, { ...who(account), type: 'account_change', result: 'failed', detail: `password not changed: ${check.reason}` });
        if (check.lockedUntil !== null && check.reason !== 'locked') {
          await audit(request, { ...who(account), type: 'lockout', result: 'ok', detail: 'password failures' });
          await deps.alert(account, 'lockout', { until: check.lockedUntil });
        }
        return { ok: false, problem: phrase('password.current_wrong'), lockedUntil: check.lockedUntil ?? undefined };
      }
      const problem = await passwordProblem(next, account.email, deps.rules);
      if (problem) return { ok: false, problem };
      await accounts.updatePasswordHash(account.id, await deps.hasher.hash(next));
      const ended = await records.revokeByAccountId(account.id);
      await audit(request, { ...who(account), type: 'account_change', result: 'ok', detail: `password changed; ${ended} sessions and tokens ended` });
      await deps.alert(account, 'password_changed', { how: 'changed' });
      return { ok: true };
    },

    /**
     * Emails a single-use link when the email belongs to an account. The caller answers the
     * same whatever happened, and the email is sent after answering, so neither the page nor
     * its timing tells whether the account exists.
     */
    /** The email is in the person's saved language, else `language` (the page's), else English. */
    async requestReset(email: string, returnTo: string | null, request: RequestInfo, language?: Language): Promise<void> {
      const account = await accounts.findByEmail(normalizeEmail(email));
      if (!account || account.disabled) {
        await audit(request, { type: 'password_reset', result: 'failed', email: typedEmail(email), detail: account ? 'disabled account' : 'unknown email' });
        return;
      }
      const token = random.id(32);
      const payload = { accountId: account.id, returnTo, issuedFor: issuedFor(account) };
      await records.upsert(resetKind, recordId(token), payload, clock.now() + deps.resetTtlMs, { accountId: account.id });
      await audit(request, { ...who(account), type: 'password_reset', result: 'ok', detail: 'link sent' });
      const message = deps.resetMessages(
        account.email,
        { link: `${deps.issuer}/password-reset/${token}`, minutes: Math.round(deps.resetTtlMs / 60_000) },
        messageLanguage(savedLocaleOf(account), language),
      );
      deps.sendEmailTo(account, 'password_reset', message).catch((err: unknown) => deps.logger.warn({ err }, 'password reset email not recorded'));
    },

    /** The account a live, unused link belongs to, if its password and email are still the ones the link was issued for; or null. */
    findReset,

    /**
     * Sets the new password and spends the link. Every session and token of the account ends,
     * and none is created: signing in afterwards asks for the second factor as always.
     */
    async completeReset(token: string, password: string, request: RequestInfo): Promise<ResetOutcome> {
      const reset = await findReset(token);
      if (!reset) {
        await audit(request, { type: 'password_reset', result: 'failed', detail: 'link expired, used or unknown' });
        return { kind: 'invalid' };
      }
      const { account } = reset;
      // a refused password leaves the link usable for a better one
      const problem = await passwordProblem(password, account.email, deps.rules);
      if (problem) return { kind: 'refused', problem };
      if (!(await records.consume(resetKind, recordId(token), clock.now()))) return { kind: 'invalid' };
      await accounts.updatePasswordHash(account.id, await deps.hasher.hash(password));
      // the link went to this very address and was opened: its owner proved it
      if (!account.emailVerified) await accounts.update(account.id, { emailVerified: true });
      const ended = await records.revokeByAccountId(account.id);
      await audit(request, { ...who(account), type: 'password_reset', result: 'ok', detail: `password set; ${ended} sessions and tokens ended` });
      await deps.alert(account, 'password_changed', { how: 'reset' });
      return { kind: 'done', returnTo: reset.returnTo };
    },
  };
}

export type Passwords = ReturnType<typeof createPasswords>;
