import type { RecordAudit, RequestInfo } from '../audit/audit.ts';
import type { Language } from '../i18n/languages.ts';
import type { Account } from '../model/account.ts';
import type { Alert } from '../notifications/alerts.ts';
import { type CheckPassword, typedEmail } from './password_login.ts';

export type PasswordStepOutcome = { kind: 'ok'; account: Account } | { kind: 'wrong' } | { kind: 'locked'; until: number };

/**
 * The password step of the server's sign-in as a service: the check (under the lockout),
 * the audit entry and the lockout alert. It answers outcomes; the login page decides what
 * the person sees, which never says whether the email has an account.
 */
export function createPasswordStep(deps: { checkPassword: CheckPassword; audit: RecordAudit; alert: Alert }) {
  /** `language`: the login page's, for the lockout alert when the person saved none. */
  return async function passwordStep(
    email: string,
    password: string,
    request: RequestInfo,
    clientId: string,
    language?: Language,
  ): Promise<PasswordStepOutcome> {
    const check = await deps.checkPassword(email, password);
    const who = { accountId: check.account?.id ?? null, email: check.account?.email ?? typedEmail(email), clientId, channel: 'password' };
    if (check.ok) {
      await deps.audit(request, { ...who, type: 'login_ok', result: 'ok' });
      return { kind: 'ok', account: check.account };
    }
    await deps.audit(request, { ...who, type: 'login_failed', result: 'failed', detail: check.reason });
    if (check.lockedUntil !== null && check.reason !== 'locked' && check.account) {
      await deps.audit(request, { ...who, type: 'lockout', result: 'ok', detail: 'password failures' });
      await deps.alert(check.account, 'lockout', { until: check.lockedUntil }, language);
    }
    return check.lockedUntil === null ? { kind: 'wrong' } : { kind: 'locked', until: check.lockedUntil };
  };
}

export type PasswordStep = ReturnType<typeof createPasswordStep>;
