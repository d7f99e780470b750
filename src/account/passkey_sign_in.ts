import type { RecordAudit, RequestInfo } from '../audit/audit.ts';
import { refusalDetail } from '../factors/check_step.ts';
import type { FactorPassed } from '../factors/methods.ts';
import type { Passkeys } from '../factors/passkeys.ts';
import type { Language } from '../i18n/languages.ts';
import type { Account } from '../model/account.ts';
import type { Alert } from '../notifications/alerts.ts';
import type { Lockout } from '../security/lockout.ts';
import type { AccountStore } from '../store/ports.ts';

export type PasskeySignInOutcome =
  | { kind: 'ok'; account: Account; passed: FactorPassed; userVerified: boolean }
  | { kind: 'refused' }
  | { kind: 'locked'; until: number };

/**
 * The passwordless sign-in of the server's login page as a service: a discoverable passkey's
 * assertion checked under the account's passkey lockout (once the credential names the
 * account), audited as login_ok / login_failed on the passkey channel, a lockout alerted. A
 * disabled account is refused. The page never says why.
 *
 * Lockout counts per proof: failed assertions are counted apart from wrong passwords, so
 * anyone who knows an email cannot lock its owner out of the passkey path with wrong
 * passwords, and a passing assertion resets only the passkey count. A passkey that verified
 * the user resets the password count too, through the sign-in it completes (two factors,
 * `lockout.signedIn`); one that did not (a security key without a PIN) never does, else its
 * thief could guess passwords between touches of the key.
 */
export function createPasskeySignIn(deps: { passkeys: Passkeys; accounts: AccountStore; lockout: Lockout; audit: RecordAudit; alert: Alert }) {
  /** `language`: the login page's, for the lockout alert when the person saved none. */
  return async function passkeySignIn(
    binding: string,
    credential: string,
    request: RequestInfo,
    clientId: string,
    language?: Language,
  ): Promise<PasskeySignInOutcome> {
    const outcome = await deps.passkeys.verifySignIn(binding, credential, (accountId) => deps.lockout.attempt(accountId, 'passkey'));
    const accountId = outcome.kind === 'ok' ? outcome.factor.accountId : outcome.accountId;
    const account = accountId ? await deps.accounts.findById(accountId) : null;
    const who = { accountId: account?.id ?? null, email: account?.email ?? null, clientId, channel: 'passkey' };
    if (outcome.kind === 'locked') {
      await deps.audit(request, { ...who, type: 'login_failed', result: 'failed', detail: 'locked' });
      return outcome;
    }
    if (outcome.kind === 'ok' && account && !account.disabled) {
      await deps.lockout.succeeded(account.id, 'passkey');
      await deps.audit(request, { ...who, type: 'login_ok', result: 'ok', detail: outcome.passed.amr.join(' ') });
      return { kind: 'ok', account, passed: outcome.passed, userVerified: outcome.userVerified };
    }
    const detail = outcome.kind === 'ok' ? 'disabled' : refusalDetail[outcome.reason];
    await deps.audit(request, { ...who, type: 'login_failed', result: 'failed', detail });
    // a disabled account's right passkey is no failure to count, as with its right password
    if (!account || outcome.kind === 'ok') return { kind: 'refused' };
    const lockedUntil = await deps.lockout.failed(account.id, 'passkey');
    if (lockedUntil === null) return { kind: 'refused' };
    await deps.audit(request, { ...who, type: 'lockout', result: 'ok', detail: 'passkey failures' });
    await deps.alert(account, 'lockout', { until: lockedUntil }, language);
    return { kind: 'locked', until: lockedUntil };
  };
}

export type PasskeySignIn = ReturnType<typeof createPasskeySignIn>;
