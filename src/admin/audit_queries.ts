import { z } from 'zod';
import { normalizeEmail } from '../account/password_login.ts';
import { type ActivityReport, activityReport } from '../audit/report.ts';
import { countSmsRefusals, type SmsRefusalCounts } from '../audit/sms_refusals.ts';
import { type AuditSummary, summarize } from '../audit/summary.ts';
import type { Clock } from '../clock.ts';
import { badRequest } from '../errors.ts';
import { type AuditEvent, type AuditType, auditTypes } from '../model/audit.ts';
import type { Delivery } from '../model/factor.ts';
import type { AuditLogStore, DeliveryLogStore } from '../store/ports.ts';
import type { Page, Paging } from './input.ts';

export { auditTypes };

/** How far back: `30m`, `24h`, `7d`, or an ISO date or date-time. */
export const sinceSchema = z
  .union([z.string().regex(/^\d{1,6}[mhd]$/), z.iso.date(), z.iso.datetime({ offset: true })])
  .describe('30m, 24h, 7d, or an ISO date or date-time');

/** `24h`, `7d`, `30m` back from now, or an ISO date. */
export function parseSince(value: string, now: number): number {
  const relative = /^(\d+)([mhd])$/.exec(value.trim());
  if (relative) return now - Number(relative[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[relative[2] as 'm' | 'h' | 'd'];
  const time = Date.parse(value);
  if (Number.isNaN(time)) throw badRequest(`--since takes 30m, 24h, 7d or a date like 2026-11-01, not "${value}"`);
  return time;
}

/** The audit log's filters, as the console's form gives them: every one optional. */
export const auditFilterSchema = z.object({
  type: z.enum(auditTypes).optional(),
  email: z
    .string()
    .trim()
    .max(320)
    .regex(/^[^\s<>"']*$/, 'must be an email address')
    .optional(),
  clientId: z
    .string()
    .max(100)
    .regex(/^[\w.-]+$/, 'must be a client id')
    .optional(),
  result: z.enum(['ok', 'failed']).optional(),
  since: sinceSchema.optional(),
  until: z.union([z.iso.date(), z.iso.datetime({ offset: true })]).optional(),
});

export type AuditFilter = z.output<typeof auditFilterSchema>;

/** The most events a report or page reads, so a busy range never exhausts the server. */
const reportLimit = 100_000;

/** Reading the audit log ("OTP logs") and the delivery log; used by the CLI, the admin API and the console. */
export function createAuditQueries(log: AuditLogStore, clock: Clock, deliveries: DeliveryLogStore) {
  const rangeOf = (filter: { since?: string; until?: string }, defaultSince: string) => {
    const now = clock.now();
    return { since: parseSince(filter.since ?? defaultSince, now), until: filter.until === undefined ? now : Date.parse(filter.until) };
  };
  return {
    /** One page of events, newest first: the total is not counted, a next page exists while pages are full. */
    async page(filter: AuditFilter, paging: Paging): Promise<Omit<Page<AuditEvent>, 'total'> & { total: null }> {
      const { since, until } = rangeOf(filter, '7d');
      const items = await log.query({
        type: filter.type,
        email: filter.email === undefined ? undefined : normalizeEmail(filter.email),
        clientId: filter.clientId,
        result: filter.result,
        since,
        until,
        ...paging,
      });
      return { items, total: null, ...paging };
    },
    /** Every account's deliveries (codes, alerts, reset links) in the range, newest first. */
    async deliveries(filter: { since?: string; until?: string }, paging: Paging): Promise<Delivery[]> {
      return deliveries.list({ ...rangeOf(filter, '7d'), ...paging });
    },
    /** The admin summary over a range, with counts per time bucket, for the dashboard's charts. */
    async report(filter: { since?: string; until?: string }): Promise<ActivityReport> {
      const { since, until } = rangeOf(filter, '24h');
      const [events, sent] = await Promise.all([log.query({ since, until, limit: reportLimit }), deliveries.list({ since, until, limit: reportLimit })]);
      return activityReport(events, sent, since, until);
    },
    /** The SMS refused since midnight UTC (the day the SMS budgets count), by reason. */
    async smsRefusalsToday(): Promise<SmsRefusalCounts> {
      const now = clock.now();
      return countSmsRefusals(await deliveries.list({ since: now - (now % 86_400_000), until: now + 1, limit: reportLimit }));
    },
    async query(filter: { email?: string; since?: string; type?: string; limit?: number }): Promise<AuditEvent[]> {
      if (filter.type !== undefined && !auditTypes.includes(filter.type as AuditType)) {
        throw badRequest(`unknown event type "${filter.type}"; one of ${auditTypes.join(', ')}`);
      }
      return log.query({
        email: filter.email === undefined ? undefined : normalizeEmail(filter.email),
        type: filter.type as AuditType | undefined,
        since: filter.since === undefined ? undefined : parseSince(filter.since, clock.now()),
        limit: Math.min(Math.max(filter.limit ?? 100, 1), 10_000),
      });
    },
    /** Over at most 100,000 events since `since` (default 24h). */
    async summary(since = '24h'): Promise<AuditSummary> {
      const from = parseSince(since, clock.now());
      return summarize(await log.query({ since: from, limit: 100_000 }), from);
    },
  };
}

export type AuditQueries = ReturnType<typeof createAuditQueries>;
