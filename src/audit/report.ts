import type { AuditEvent } from '../model/audit.ts';
import type { Delivery } from '../model/factor.ts';
import { type RiskSignal, riskSignals } from '../model/risk_signals.ts';
import { signalsOfDetail } from '../risk/signal_words.ts';
import { summarize } from './summary.ts';

/** What the dashboard charts: the admin summary over a time range, with counts per time bucket. */
export interface ActivityReport {
  from: number;
  to: number;
  /** start of each time bucket */
  buckets: number[];
  bucketMs: number;
  signIns: { ok: number[]; failed: number[] };
  lockouts: number[];
  /** "what failed: why", most frequent first */
  failuresByReason: [string, number][];
  /** second factors accepted (and passkey sign-ins), by method */
  methods: [string, number][];
  /** per channel: sent, failed, refused (SMS toll-fraud limits), and sent as a fallback from the other channel */
  deliveries: { channel: string; sent: number; failed: number; refused: number; fallback: number }[];
  topFailingAccounts: { email: string; failures: number }[];
  topFailingIps: { ip: string; failures: number }[];
  /** adaptive step-up's decisions at the password: let through, asked, and how often each signal fired */
  risk: { letThrough: number; asked: number; bySignal: [RiskSignal, number][] };
}

const sortedCounts = (values: string[]): [string, number][] => {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
};

/** About 24 buckets of a round size over [from, to). */
function bucketSize(rangeMs: number): number {
  const sizes = [5, 15, 30, 60, 180, 360, 720, 1440, 2880].map((m) => m * 60_000);
  return sizes.find((size) => rangeMs / size <= 30) ?? 10_080 * 60_000;
}

function riskDecisions(events: AuditEvent[]): ActivityReport['risk'] {
  const decisions = events.filter((e) => e.type === 'risk');
  const fired = decisions.map((e) => signalsOfDetail(e.detail));
  const asked = fired.filter((signals) => signals.length > 0).length;
  const bySignal = riskSignals.map((signal): [RiskSignal, number] => [signal, fired.filter((signals) => signals.includes(signal)).length]);
  return { letThrough: decisions.length - asked, asked, bySignal: bySignal.filter(([, count]) => count > 0) };
}

export function activityReport(events: AuditEvent[], deliveries: Delivery[], from: number, to: number): ActivityReport {
  const bucketMs = bucketSize(to - from);
  const start = Math.floor(from / bucketMs) * bucketMs;
  const buckets = Array.from({ length: Math.ceil((to - start) / bucketMs) }, (_, i) => start + i * bucketMs);
  const series = (type: AuditEvent['type']) => {
    const counts = buckets.map(() => 0);
    for (const e of events) {
      if (e.type !== type || e.at < start) continue;
      const bucket = Math.min(Math.floor((e.at - start) / bucketMs), counts.length - 1);
      counts[bucket] = (counts[bucket] ?? 0) + 1;
    }
    return counts;
  };
  const summary = summarize(events, from);
  const failures = events.filter((e) => e.result === 'failed');
  const accepted = events.filter((e) => e.type === 'code_ok' || (e.type === 'login_ok' && e.channel === 'passkey'));
  const channels = [...new Set(deliveries.map((d) => d.channel))].sort();
  return {
    from,
    to,
    buckets,
    bucketMs,
    signIns: { ok: series('login_ok'), failed: series('login_failed') },
    lockouts: series('lockout'),
    failuresByReason: sortedCounts(failures.map((e) => `${e.type.replace('_', ' ')}: ${e.detail ?? 'no reason'}`)).slice(0, 8),
    methods: sortedCounts(accepted.map((e) => e.channel ?? 'unknown')),
    deliveries: channels.map((channel) => {
      const of = deliveries.filter((d) => d.channel === channel);
      return {
        channel,
        sent: of.filter((d) => d.result === 'sent').length,
        failed: of.filter((d) => d.result === 'failed').length,
        refused: of.filter((d) => d.result === 'refused').length,
        fallback: of.filter((d) => d.result === 'sent' && d.fallbackFrom !== null).length,
      };
    }),
    topFailingAccounts: summary.topFailingAccounts,
    topFailingIps: summary.topFailingIps,
    risk: riskDecisions(events),
  };
}
