import { browserNameOf, browserPartsOf } from '../browser_name.ts';
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
  /** in English, for the console */
  app: string;
  /** the same for the person's own pages */
  appShown: Phrase;
  /** in English, for the console */
  browser: string;
  /** the same for the person's own pages */
  browserShown: Phrase;
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

/**
 * Text as it was recorded (a client's name, a user agent), as a phrase: a value is never taken
 * for a catalog key, whatever it says.
 */
const asRecorded = (text: string) => phrase('activity.as_recorded', { text });

/** The browser for the person: "Chrome 131 on Linux" in their language, the raw agent, or unknown. */
function browserShownOf(userAgent: string | null): Phrase {
  if (!userAgent) return phrase('activity.browser_unknown');
  const parts = browserPartsOf(userAgent);
  if (!parts) return asRecorded(userAgent.slice(0, 60));
  return parts.os ? phrase('activity.browser_on', { browser: parts.name, os: parts.os }) : asRecorded(parts.name);
}

/** A person's own recent sign-ins and security events from the audit log, in words. */
export function createActivity(audit: AuditLogStore, clients: ClientStore, serviceName: string) {
  const removed = { english: 'a removed application', shown: phrase('activity.app_removed') };
  /** Each application's name, in English for the console and as a phrase for the person. */
  async function appNames(events: AuditEvent[]) {
    const names = new Map<string, { english: string; shown: Phrase }>([
      [ACCOUNT_CLIENT_ID, { english: `${serviceName} account`, shown: phrase('activity.app_account', { service: serviceName }) }],
      [CONSOLE_CLIENT_ID, { english: `${serviceName} admin console`, shown: phrase('activity.app_console', { service: serviceName }) }],
    ]);
    for (const id of new Set(events.map((e) => e.clientId).filter((id): id is string => id !== null && !names.has(id)))) {
      const client = await clients.find(id);
      const name = client?.metadata.client_name;
      names.set(id, typeof name === 'string' ? { english: name, shown: asRecorded(name) } : removed);
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
      app: event.clientId ? (names.get(event.clientId) ?? removed).english : '—',
      appShown: event.clientId ? (names.get(event.clientId) ?? removed).shown : asRecorded('—'),
      browser: browserOf(event.userAgent),
      browserShown: browserShownOf(event.userAgent),
      ip: event.ip ?? '—',
      method: event.channel ? (methodNames[event.channel as MethodKind] ?? event.channel) : '—',
      methodShown: methodShownOf(event.channel),
      failed: event.result === 'failed',
    }));
  };
}

export type RecentActivity = ReturnType<typeof createActivity>;
