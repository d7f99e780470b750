import type { ParameterizedContext } from 'koa';
import { z } from 'zod';
import { browserOf } from '../account/activity.ts';
import { auditFilterSchema, auditTypes } from '../admin/audit_queries.ts';
import type { ActivityReport } from '../audit/report.ts';
import { utcBucketLabel, utcMinute } from '../dates.ts';
import { signalWords } from '../risk/signal_words.ts';
import { barChart, lineChart } from './charts.ts';
import type { ConsoleDeps } from './deps.ts';
import { given, pageNumber, pagerOf, pagingOf, parseQuery } from './query.ts';
import { renderPage } from './session.ts';

const pageSize = 50;
const ranges = { '1h': 'the last hour', '24h': 'the last 24 hours', '7d': 'the last 7 days', '30d': 'the last 30 days', '90d': 'the last 90 days' } as const;

/** The time of a bucket, as short as its size allows. */
function chartsOf(report: ActivityReport) {
  const labels = report.buckets.map((at) => utcBucketLabel(at, report.bucketMs));
  return {
    signIns: lineChart('chart-sign-ins', 'Sign-ins at the password or passkey step', labels, [
      { name: 'accepted', values: report.signIns.ok, marker: 'circle' },
      { name: 'refused', values: report.signIns.failed, marker: 'square', dashed: true },
    ]),
    lockouts: lineChart('chart-lockouts', 'Lockouts', labels, [{ name: 'lockouts', values: report.lockouts, marker: 'triangle' }]),
    failures: barChart(
      'chart-failures',
      'Failures by reason',
      report.failuresByReason.map(([label, value]) => ({ label, value, fill: 'hatched' as const })),
    ),
    methods: barChart(
      'chart-methods',
      'Second factors accepted, by method',
      report.methods.map(([label, value]) => ({ label, value })),
    ),
    deliveries: barChart(
      'chart-deliveries',
      'Messages by channel and result',
      report.deliveries.flatMap((d) => [
        { label: `${d.channel} sent`, value: d.sent },
        { label: `${d.channel} failed`, value: d.failed, fill: 'hatched' as const },
        ...(d.refused ? [{ label: `${d.channel} refused`, value: d.refused, fill: 'hatched' as const }] : []),
        { label: `${d.channel} sent as fallback`, value: d.fallback, fill: 'dotted' as const },
      ]),
    ),
    failingAccounts: barChart(
      'chart-failing-accounts',
      'Accounts with the most failures',
      report.topFailingAccounts.map((a) => ({ label: a.email, value: a.failures, fill: 'hatched' as const })),
    ),
    failingIps: barChart(
      'chart-failing-ips',
      'IP addresses with the most failures',
      report.topFailingIps.map((a) => ({ label: a.ip, value: a.failures, fill: 'hatched' as const })),
    ),
  };
}

export function showDashboard(deps: ConsoleDeps) {
  const query = z.object({ range: given(z.enum(Object.keys(ranges) as [keyof typeof ranges])) });
  return async (ctx: ParameterizedContext) => {
    const range = parseQuery(ctx, query, 'range').range ?? '24h';
    const [report, smsRefusals] = await Promise.all([deps.auditQueries.report({ since: range }), deps.auditQueries.smsRefusalsToday()]);
    const risk = { ...report.risk, bySignal: report.risk.bySignal.map(([signal, count]) => ({ signal, words: signalWords[signal], count })) };
    await renderPage(ctx, 'console_dashboard', 'dashboard', { range, ranges, charts: chartsOf(report), report, smsRefusals, risk });
  };
}

const activityQuery = z.object({
  type: given(auditFilterSchema.shape.type.unwrap()),
  email: given(auditFilterSchema.shape.email.unwrap()),
  client: given(auditFilterSchema.shape.clientId.unwrap()),
  result: given(auditFilterSchema.shape.result.unwrap()),
  since: given(auditFilterSchema.shape.since.unwrap()),
  until: given(auditFilterSchema.shape.until.unwrap()),
  page: pageNumber,
});

/** GET /admin/activity: the audit log, filtered and paged. */
export function showActivity(deps: ConsoleDeps) {
  return async (ctx: ParameterizedContext) => {
    const { page, client, ...filter } = parseQuery(ctx, activityQuery, 'filter');
    const found = await deps.auditQueries.page({ ...filter, clientId: client }, pagingOf(page, pageSize));
    const events = found.items.map((e) => ({ ...e, when: utcMinute(e.at), browser: browserOf(e.userAgent) }));
    await renderPage(ctx, 'console_activity', 'activity', {
      events,
      filter: { ...filter, client },
      types: auditTypes,
      pager: pagerOf(ctx, page, pageSize, null, found.items.length),
    });
  };
}

/** GET /admin/deliveries: every email and SMS sent, with the provider's answer. */
export function showDeliveries(deps: ConsoleDeps) {
  const query = z.object({ since: activityQuery.shape.since, until: activityQuery.shape.until, page: pageNumber });
  return async (ctx: ParameterizedContext) => {
    const { page, ...range } = parseQuery(ctx, query, 'filter');
    const found = await deps.auditQueries.deliveries(range, pagingOf(page, pageSize));
    const accounts = new Map<string, string>();
    for (const id of new Set(found.map((d) => d.accountId))) accounts.set(id, (await deps.accounts.findById(id))?.email ?? 'a removed account');
    const deliveries = found.map((d) => ({ ...d, when: utcMinute(d.createdAt), email: accounts.get(d.accountId) }));
    await renderPage(ctx, 'console_deliveries', 'deliveries', { deliveries, range, pager: pagerOf(ctx, page, pageSize, null, found.length) });
  };
}
