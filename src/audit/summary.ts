import type { AuditEvent } from '../model/audit.ts';

export interface AuditSummary {
  since: string;
  events: number;
  byType: Record<string, number>;
  byChannel: Record<string, number>;
  byResult: Record<string, number>;
  topFailingAccounts: { email: string; failures: number }[];
  topFailingIps: { ip: string; failures: number }[];
}

function countBy(events: AuditEvent[], key: (e: AuditEvent) => string | null): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const event of events) {
    const value = key(event);
    if (value !== null) counts[value] = (counts[value] ?? 0) + 1;
  }
  return counts;
}

const top = (counts: Record<string, number>, n: number) =>
  Object.entries(counts)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, n);

/** Counts by type, channel and result, and who fails most, over the events given. */
export function summarize(events: AuditEvent[], since: number): AuditSummary {
  const failures = events.filter((e) => e.result === 'failed');
  return {
    since: new Date(since).toISOString(),
    events: events.length,
    byType: countBy(events, (e) => e.type),
    byChannel: countBy(events, (e) => e.channel),
    byResult: countBy(events, (e) => e.result),
    topFailingAccounts: top(
      countBy(failures, (e) => e.email),
      10,
    ).map(([email, n]) => ({ email, failures: n })),
    topFailingIps: top(
      countBy(failures, (e) => e.ip),
      10,
    ).map(([ip, n]) => ({ ip, failures: n })),
  };
}
