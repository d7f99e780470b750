/** The audit log's events: what happened at sign-in and in administration. */

/** The kinds of audit event; the type is derived from this list, so the two cannot drift. */
export const auditTypes = [
  'login_ok',
  'login_failed',
  'code_sent',
  'code_ok',
  'code_failed',
  'lockout',
  'enrolment',
  'recovery_code_used',
  'admin_change',
  /** a person changed their own account: password, factor removed, recovery codes, sessions */
  'account_change',
  /** a password reset link asked for, or used */
  'password_reset',
  /** the day's SMS budget was spent: SMS stopped until midnight UTC (logged once a day) */
  'sms_budget_reached',
  /** a second factor approved a transaction (authorization_details); detail: what, in words */
  'approval',
  /** an adaptive client's risk decision at the password; detail: `asked` and the signals, or `let_through` */
  'risk',
  /** a browser remembered by its device-bound key (detail: its name, for how long) */
  'remembered',
  /** a remembered browser's key signed a sign-in in place of the second factor (or was refused) */
  'remembered_used',
  /** a remembered browser forgotten: by the person, or an admin */
  'remembered_removed',
] as const;

export type AuditType = (typeof auditTypes)[number];

/** One authentication event: the "OTP log". Never holds a password, code or secret. */
export interface AuditEvent {
  id: string;
  at: number;
  type: AuditType;
  accountId: string | null;
  /** the email typed or the account's, so failures for unknown emails are visible too */
  email: string | null;
  clientId: string | null;
  ip: string | null;
  userAgent: string | null;
  /** password, totp, email, sms, recovery, or the admin operation */
  channel: string | null;
  result: 'ok' | 'failed';
  /** why it failed, or what changed; a short word or phrase */
  detail: string | null;
}
