import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import { maskEmail } from '../otp/mask.ts';
import type { AlertKind, createAlertMessages } from '../otp/messages.ts';
import type { Sender } from '../otp/senders/sender.ts';
import { random } from '../random.ts';
import type { Account, DeliveryLogStore } from '../store/ports.ts';

export interface AlertDeps {
  email: Sender;
  messages: ReturnType<typeof createAlertMessages>;
  deliveries: DeliveryLogStore;
  clock: Clock;
  logger: Logger;
}

/** "2026-11-23 14:05", the UTC minute the alerts speak in. */
export const utcMinute = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');

/**
 * Emails the account owner about security events. An alert that cannot be sent is
 * logged and recorded as failed; it never stops the sign-in it reports on.
 */
export function createAlerts(deps: AlertDeps) {
  return async function alert(account: Account, kind: AlertKind, vars: Record<string, string | number | null> = {}): Promise<void> {
    const message = deps.messages(kind, account.email, { time: utcMinute(deps.clock.now()), ...vars });
    const entry = { id: random.id(), accountId: account.id, channel: 'email' as const, maskedTo: maskEmail(account.email), purpose: 'alert' as const, fallbackFrom: null, status: null };
    try {
      const { providerMessageId } = await deps.email.send(message);
      await deps.deliveries.add({ ...entry, result: 'sent', reason: null, providerMessageId, createdAt: deps.clock.now() });
    } catch (error) {
      const reason = (error as Error).message?.slice(0, 300) ?? 'unknown error';
      deps.logger.warn({ kind, to: entry.maskedTo, reason }, 'security alert not sent');
      await deps.deliveries.add({ ...entry, result: 'failed', reason, providerMessageId: null, createdAt: deps.clock.now() }).catch(() => undefined);
    }
  };
}

export type Alert = ReturnType<typeof createAlerts>;
