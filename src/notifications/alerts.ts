import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import { localMinute } from '../dates.ts';
import type { Language } from '../i18n/languages.ts';
import { messageLanguage } from '../i18n/negotiate.ts';
import type { PhraseValue } from '../i18n/phrase.ts';
import type { Delivery } from '../model/factor.ts';
import { type Person, savedLocaleOf } from '../person.ts';
import { random } from '../random.ts';
import type { DeliveryLogStore } from '../store/ports.ts';
import { maskEmail } from './mask.ts';
import type { AlertKind, createAlertMessages } from './messages.ts';
import type { OutgoingMessage, Sender } from './senders/sender.ts';

export interface MailerDeps {
  email: Sender;
  deliveries: DeliveryLogStore;
  clock: Clock;
  logger: Logger;
}

type AlertMessages = ReturnType<typeof createAlertMessages>;

/** "2026-11-23 14:05", the UTC minute the alerts speak in; callers that put it in an Alert's vars take it from here. */

/**
 * Emails the owner of an account and writes the attempt to the delivery log. A message that
 * cannot be sent is logged and recorded as failed; it never fails the request that sent it.
 * A person without an email (a plugin host's people may have none) is not written to.
 */
export function createAccountMailer(deps: MailerDeps) {
  return async function sendEmailTo(account: Person, purpose: Delivery['purpose'], message: OutgoingMessage): Promise<void> {
    if (!account.email) {
      deps.logger.info({ purpose, accountId: account.id }, 'email to account owner not sent: they have no address');
      return;
    }
    const entry = {
      id: random.id(),
      accountId: account.id,
      channel: 'email' as const,
      maskedTo: maskEmail(account.email),
      purpose,
      fallbackFrom: null,
      status: null,
    };
    try {
      const { providerMessageId } = await deps.email.send(message);
      await deps.deliveries.add({ ...entry, result: 'sent', reason: null, providerMessageId, createdAt: deps.clock.now() });
    } catch (error) {
      const reason = (error as Error).message?.slice(0, 300) ?? 'unknown error';
      deps.logger.warn({ purpose, to: entry.maskedTo, reason }, 'email to account owner not sent');
      await deps.deliveries.add({ ...entry, result: 'failed', reason, providerMessageId: null, createdAt: deps.clock.now() }).catch(() => undefined);
    }
  };
}

export type SendEmailTo = ReturnType<typeof createAccountMailer>;

/**
 * Emails the account owner about security events, after the request that raised them has
 * answered: a slow mail server never slows a sign-in. `settled()` waits for the alerts still
 * being sent (at shutdown, and in tests before they read the mail).
 */
export function createAlerts(deps: { sendEmailTo: SendEmailTo; messages: AlertMessages; clock: Clock; logger: Logger }) {
  const { sendEmailTo } = deps;
  const sending = new Set<Promise<void>>();

  /** In the person's saved language, else `signInLanguage` (of the sign-in that raised it), else English. */
  async function alert(account: Person, kind: AlertKind, vars: Record<string, PhraseValue> = {}, signInLanguage?: Language): Promise<void> {
    if (!account.email) {
      deps.logger.info({ kind, accountId: account.id }, 'security alert not sent: the person has no email address');
      return;
    }
    const language = messageLanguage(savedLocaleOf(account), signInLanguage);
    // times in the words of the mail's language (a lockout's end comes as a number)
    const when = {
      time: localMinute(language, deps.clock.now()),
      ...vars,
      ...(typeof vars.until === 'number' ? { until: localMinute(language, vars.until) } : {}),
    };
    const message = deps.messages(kind, account.email, when, language);
    const sent: Promise<void> = sendEmailTo(account, 'alert', message)
      .catch((err: unknown) => deps.logger.error({ err, kind }, 'sending a security alert failed'))
      .finally(() => sending.delete(sent));
    sending.add(sent);
  }

  alert.settled = async () => {
    while (sending.size > 0) await Promise.all([...sending]);
  };
  return alert;
}

export type Alert = ReturnType<typeof createAlerts>;

/**
 * What a "factor added" alert says beside the method: the factor's name, a single-use link that
 * removes exactly that factor, and the password reset page. A host that serves no such link
 * gives none, and the alert says to tell the administrator.
 */
export type FactorUndoLinks = (accountId: string, factorId: string, recoveryCodesIssued: boolean) => Promise<Record<string, string>>;
