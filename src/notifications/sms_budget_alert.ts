import type { Logger } from 'pino';
import { noRequest, type RecordAudit } from '../audit/audit.ts';
import type { Person } from '../person.ts';
import type { Alert } from './alerts.ts';

/**
 * What happens once a UTC day when the SMS budget is spent: an error in the log, an event in
 * the audit log (the console's dashboard shows its own banner from the delivery log), and an
 * email to each admin. Reading the admins may fail; the audit event is written first.
 */
export function createSmsBudgetAlert(deps: { audit: RecordAudit; alert: Alert; admins?: () => Promise<Person[]>; budget: number; logger: Logger }) {
  const { budget, logger } = deps;
  return async function smsBudgetReached(day: string): Promise<void> {
    logger.error({ day, budget }, 'the daily SMS budget is spent: no SMS until midnight UTC');
    await deps.audit(noRequest, { type: 'sms_budget_reached', channel: 'sms', result: 'failed', detail: `${budget} SMS sent on ${day}` });
    let admins: Person[] = [];
    try {
      admins = (await deps.admins?.()) ?? [];
    } catch (err) {
      logger.error({ err }, 'reading the admins to tell of the SMS budget failed');
    }
    for (const admin of admins) await deps.alert(admin, 'sms_budget_reached', { budget, day });
  };
}
