import { browserNameOf } from '../browser_name.ts';
import { utcMinute } from '../dates.ts';
import { type MethodKind, methodKey, methodLabel } from '../factors/methods.ts';
import { type Phrase, phrase } from '../i18n/phrase.ts';
import type { AuditEvent, AuditType } from '../model/audit.ts';
import { riskDecisionInWords, riskDecisionPhrase } from '../risk/signal_words.ts';
import type { AuditLogStore, ClientStore } from '../store/ports.ts';
import { ACCOUNT_CLIENT_ID, CONSOLE_CLIENT_ID } from './account_client.ts';

export interface ActivityRow {
  /** the UTC minute, for the console */
  at: string;
  /** when, for the person's own pages (shown in their language) */
  time: number;
  /** in English, for the console */
  what: string;
  /** the same for the person's own pages, in their language  */
  event: Phrase | string;
  app: string;
  browser: string;
  ip: string;
  method: string;
  /** the method for the person's own pages, in their language */
  methodShown: Phrase | string;
  failed: boolean;
}

/** What each event was, as catalog phrases for the account area. */
const eventPhrases: Record<AuditType, Phrase> = {
  login_ok: phrase('activity.event_login_ok'),
  login_failed: phrase('activity.event_login_failed'),
  code_sent: phrase('activity.event_code_sent'),
  code_ok: phrase('activity.event_code_ok'),
  code_failed: phrase('activity.event_code_failed'),
  lockout: phrase('activity.event_lockout'),
  enrolment: phrase('activity.event_enrolment'),
  recovery_code_used: phrase('activity.event_recovery_code_used'),
  admin_change: phrase('activity.event_admin_change'),
  account_change: phrase('activity.event_account_change'),
  password_reset: phrase('activity.event_password_reset'),
  sms_budget_reached: phrase('activity.event_sms_budget_reached'),
  approval: phrase('activity.event_approval'),
  risk: phrase('activity.event_risk'),
  remembered: phrase('activity.event_remembered'),
  remembered_used: phrase('activity.event_remembered_used'),
  remembered_removed: phrase('activity.event_remembered_removed'),
};

/** The event for the person: its phrase, with the detail an admin or the person wrote after it. */
function eventOf(event: AuditEvent): Phrase | string {
  if (event.type === 'risk') return riskDecisionPhrase(event.detail);
  const withDetail = event.type === 'account_change' || event.type === 'admin_change' || event.type === 'password_reset';
  return event.detail && withDetail ? phrase('activity.with_detail', { what: eventPhrases[event.type], detail: event.detail }) : eventPhrases[event.type];
}

/** The method for the person: a method's name, the password, or nothing. */
function methodShownOf(channel: string | null): Phrase | string {
  if (!channel) return '—';
  if (channel === 'password') return phrase('login.password');
  return (methodKey as Record<string, string>)[channel] ?? (channel === 'account' || channel === 'admin' ? '—' : channel);
}

const whatHappened: Record<AuditType, string> = {
  login_ok: 'Password accepted',
  login_failed: 'Sign-in refused at the password',
  code_sent: 'Code sent',
  code_ok: 'Second factor accepted',
  code_failed: 'Wrong second-factor code',
  lockout: 'Account locked',
  enrolment: 'Second factor added',
  recovery_code_used: 'Recovery code used to sign in',
  admin_change: 'Changed by an administrator',
  account_change: 'Changed in the account area', // read by the person and by admins alike
  password_reset: 'Password reset',
  sms_budget_reached: 'Daily SMS budget spent',
  approval: 'Approved with a second factor',
  risk: 'Risk checked',
  remembered: 'Browser remembered',
  remembered_used: 'Signed in by a remembered browser',
  remembered_removed: 'Remembered browser forgotten',
};

function whatOf(event: AuditEvent): string {
  if (event.type === 'risk') return riskDecisionInWords(event.detail);
  const withDetail = event.type === 'account_change' || event.type === 'admin_change' || event.type === 'password_reset';
  return event.detail && withDetail ? `${whatHappened[event.type]}: ${event.detail}` : whatHappened[event.type];
}

const methodNames: Record<string, string> = { ...methodLabel, password: 'Password', account: '—', admin: '—' };

/** The browser of an event in words (src/browser_name.ts). */
export const browserOf = (userAgent: string | null): string => browserNameOf(userAgent);

/** A person's own recent sign-ins and security events from the audit log, in words. */
export function createActivity(audit: AuditLogStore, clients: ClientStore, serviceName: string) {
  async function appNames(events: AuditEvent[]) {
    const names = new Map<string, string>([
      [ACCOUNT_CLIENT_ID, `${serviceName} account`],
      [CONSOLE_CLIENT_ID, `${serviceName} admin console`],
    ]);
    for (const id of new Set(events.map((e) => e.clientId).filter((id): id is string => id !== null && !names.has(id)))) {
      const client = await clients.find(id);
      names.set(id, typeof client?.metadata.client_name === 'string' ? client.metadata.client_name : 'a removed application');
    }
    return names;
  }

  return async function recentActivity(accountId: string, limit = 50): Promise<ActivityRow[]> {
    const events = await audit.query({ accountId, limit });
    const names = await appNames(events);
    return events.map((event) => ({
      at: utcMinute(event.at),
      time: event.at,
      what: whatOf(event),
      event: eventOf(event),
      app: event.clientId ? (names.get(event.clientId) ?? 'a removed application') : '—',
      browser: browserOf(event.userAgent),
      ip: event.ip ?? '—',
      method: event.channel ? (methodNames[event.channel as MethodKind] ?? event.channel) : '—',
      methodShown: methodShownOf(event.channel),
      failed: event.result === 'failed',
    }));
  };
}

export type RecentActivity = ReturnType<typeof createActivity>;
