import { z } from 'zod';
import { normalizeEmail } from '../account/password_login.ts';
import { summarize, type AuditSummary } from '../audit/summary.ts';
import type { Clock } from '../clock.ts';
import { badRequest } from '../errors.ts';
import type { AuditEvent, AuditLogStore, AuditType } from '../store/ports.ts';

export const auditTypes: AuditType[] = [
  'login_ok',
  'login_failed',
  'code_sent',
  'code_ok',
  'code_failed',
  'lockout',
  'enrolment',
  'recovery_code_used',
  'admin_change',
  'account_change',
  'password_reset',
];

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

/** Reading the audit log ("OTP logs"); used by the CLI and the admin API. */
export function createAuditQueries(log: AuditLogStore, clock: Clock) {
  return {
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
