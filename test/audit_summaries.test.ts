import { activityReport } from '../src/audit/report.ts';
import { summarize } from '../src/audit/summary.ts';
import type { AuditEvent } from '../src/model/audit.ts';
import type { Delivery } from '../src/model/factor.ts';

// The admin summary and the dashboard's report over hand-made events: pure, no store.

const minute = 60_000;
const from = Date.UTC(2026, 0, 1); // midnight, so every bucket size below divides it

let n = 0;
const event = (type: AuditEvent['type'], fields: Partial<AuditEvent> = {}): AuditEvent => ({
  id: `e${++n}`,
  at: from,
  type,
  accountId: null,
  email: null,
  clientId: null,
  ip: null,
  userAgent: null,
  channel: null,
  result: type.endsWith('_failed') || type === 'lockout' ? 'failed' : 'ok',
  detail: null,
  ...fields,
});
const failedLogin = (email: string | null, ip: string | null) => event('login_failed', { email, ip, channel: 'password', detail: 'wrong password' });
const times = <T>(count: number, make: (i: number) => T) => Array.from({ length: count }, (_, i) => make(i));

describe('summarize', () => {
  test('no events: zero counts, and the start as an ISO date', () => {
    expect(summarize([], from)).toEqual({
      since: '2026-01-01T00:00:00.000Z',
      events: 0,
      byType: {},
      byChannel: {},
      byResult: {},
      topFailingAccounts: [],
      topFailingIps: [],
    });
  });

  test('counts by type, channel and result; an event without a channel counts in no channel', () => {
    const summary = summarize(
      [
        event('login_ok', { channel: 'password' }),
        event('login_ok', { channel: 'passkey' }),
        event('login_failed', { channel: 'password' }),
        event('code_ok', { channel: 'totp' }),
        event('lockout'),
      ],
      from,
    );
    expect(summary).toMatchObject({
      events: 5,
      byType: { login_ok: 2, login_failed: 1, code_ok: 1, lockout: 1 },
      byChannel: { password: 2, passkey: 1, totp: 1 },
      byResult: { ok: 3, failed: 2 },
    });
  });

  test.each<[string, AuditEvent[], { email: string; failures: number }[], { ip: string; failures: number }[]]>([
    ['successes are not failures', [event('login_ok', { email: 'a@x', ip: '1.1.1.1' })], [], []],
    [
      'most failures first, ties by name',
      [failedLogin('b@x', '2.2.2.2'), failedLogin('a@x', '2.2.2.2'), failedLogin('c@x', '1.1.1.1'), failedLogin('c@x', '3.3.3.3')],
      [
        { email: 'c@x', failures: 2 },
        { email: 'a@x', failures: 1 },
        { email: 'b@x', failures: 1 },
      ],
      [
        { ip: '2.2.2.2', failures: 2 },
        { ip: '1.1.1.1', failures: 1 },
        { ip: '3.3.3.3', failures: 1 },
      ],
    ],
    [
      'a failure without an email or address counts in neither list',
      [failedLogin(null, '1.1.1.1'), failedLogin('a@x', null)],
      [{ email: 'a@x', failures: 1 }],
      [{ ip: '1.1.1.1', failures: 1 }],
    ],
    [
      'every kind of failure counts, not just passwords',
      [event('code_failed', { email: 'a@x', ip: '1.1.1.1' }), event('lockout', { email: 'a@x' })],
      [{ email: 'a@x', failures: 2 }],
      [{ ip: '1.1.1.1', failures: 1 }],
    ],
  ])('who fails most: %s', (_, events, accounts, ips) => {
    const summary = summarize(events, from);
    expect([summary.topFailingAccounts, summary.topFailingIps]).toEqual([accounts, ips]);
  });

  test('the ten who fail most, no more', () => {
    const events = times(12, (i) => times(i + 1, () => failedLogin(`u${String(i).padStart(2, '0')}@x`, `10.0.0.${i}`))).flat();
    const summary = summarize(events, from);
    expect(summary.topFailingAccounts.map((a) => [a.email, a.failures])).toEqual(times(10, (i) => [`u${String(11 - i).padStart(2, '0')}@x`, 12 - i]));
    expect(summary.topFailingIps).toHaveLength(10);
  });
});

describe('activityReport', () => {
  test.each<[string, number, number, number]>([
    ['an hour: 5 minutes', 60 * minute, 5, 12],
    ['two and a half hours: still 5 minutes (30 buckets)', 150 * minute, 5, 30],
    ['a minute more: 15 minutes', 151 * minute, 15, 11],
    ['a day: an hour', 1440 * minute, 60, 24],
    ['a week: 6 hours', 7 * 1440 * minute, 360, 28],
    ['30 days: a day', 30 * 1440 * minute, 1440, 30],
    ['31 days: two days', 31 * 1440 * minute, 2880, 16],
    ['a year: a week, the largest', 365 * 1440 * minute, 10_080, 53],
  ])('bucket size for %s', (_, range, bucketMinutes, count) => {
    const report = activityReport([], [], from, from + range);
    expect([report.bucketMs, report.buckets.length]).toEqual([bucketMinutes * minute, count]);
    expect(report.buckets[0]).toBe(from);
  });

  test('buckets start on a round time before `from` and cover up to `to`', () => {
    const report = activityReport([], [], from + 7 * minute, from + 60 * minute);
    expect(report.buckets).toEqual(times(11, (i) => from + (i + 1) * 5 * minute));
    expect(report.signIns).toEqual({ ok: times(11, () => 0), failed: times(11, () => 0) });
  });

  test('sign-ins and lockouts per bucket; an event before the first bucket is left out, one at `to` goes in the last', () => {
    const to = from + 60 * minute;
    const report = activityReport(
      [
        event('login_ok', { at: from - 1 }),
        event('login_ok', { at: from }),
        event('login_ok', { at: from + 4 * minute }),
        event('login_ok', { at: from + 5 * minute }),
        event('login_failed', { at: from + 59 * minute }),
        event('login_failed', { at: to }),
        event('lockout', { at: from + 30 * minute }),
        event('code_ok', { at: from }),
      ],
      [],
      from,
      to,
    );
    const counts = (pairs: [number, number][]) => times(12, (i) => pairs.find(([bucket]) => bucket === i)?.[1] ?? 0);
    expect(report.signIns.ok).toEqual(
      counts([
        [0, 2],
        [1, 1],
      ]),
    );
    expect(report.signIns.failed).toEqual(counts([[11, 2]]));
    expect(report.lockouts).toEqual(counts([[6, 1]]));
  });

  test.each<[string, AuditEvent[], [string, number][]]>([
    ['none', [event('login_ok')], []],
    [
      'what failed and why, most frequent first, ties by name',
      [
        event('login_failed', { detail: 'wrong password' }),
        event('code_failed', { detail: 'wrong code' }),
        event('login_failed', { detail: 'wrong password' }),
        event('lockout', { detail: 'password' }),
      ],
      [
        ['login failed: wrong password', 2],
        ['code failed: wrong code', 1],
        ['lockout: password', 1],
      ],
    ],
    ['a failure without a detail', [event('code_failed')], [['code failed: no reason', 1]]],
    [
      'the eight most frequent only',
      times(10, (i) => times(10 - i, () => event('login_failed', { detail: `reason ${i}` }))).flat(),
      times(8, (i) => [`login failed: reason ${i}`, 10 - i]),
    ],
  ])('failures by reason: %s', (_, events, reasons) => {
    expect(activityReport(events, [], from, from + 60 * minute).failuresByReason).toEqual(reasons);
  });

  test('methods: second factors accepted and passkey sign-ins, by channel', () => {
    const report = activityReport(
      [
        event('code_ok', { channel: 'totp' }),
        event('code_ok', { channel: 'totp' }),
        event('code_ok', { channel: 'email' }),
        event('code_ok'),
        event('login_ok', { channel: 'passkey' }),
        // a password is not a second factor, and a failed code was not accepted
        event('login_ok', { channel: 'password' }),
        event('code_failed', { channel: 'sms' }),
        event('recovery_code_used', { channel: 'recovery' }),
      ],
      [],
      from,
      from + 60 * minute,
    );
    expect(report.methods).toEqual([
      ['totp', 2],
      ['email', 1],
      ['passkey', 1],
      ['unknown', 1],
    ]);
  });

  test('deliveries per channel, in name order: sent, failed, refused, and sent as a fallback', () => {
    let d = 0;
    const delivery = (channel: Delivery['channel'], result: Delivery['result'], fallbackFrom: Delivery['fallbackFrom'] = null): Delivery => ({
      id: `d${++d}`,
      accountId: 'acct',
      channel,
      maskedTo: '***',
      purpose: 'code',
      result,
      reason: null,
      providerMessageId: null,
      fallbackFrom,
      status: null,
      createdAt: from,
    });
    const report = activityReport(
      [],
      [
        delivery('sms', 'sent'),
        delivery('sms', 'failed'),
        delivery('sms', 'refused'),
        delivery('sms', 'refused'),
        delivery('email', 'sent'),
        delivery('email', 'sent', 'sms'),
        delivery('email', 'failed', 'sms'),
      ],
      from,
      from + 60 * minute,
    );
    expect(report.deliveries).toEqual([
      { channel: 'email', sent: 2, failed: 1, refused: 0, fallback: 1 },
      { channel: 'sms', sent: 1, failed: 1, refused: 2, fallback: 0 },
    ]);
  });

  test("who fails most is the summary's", () => {
    const events = [failedLogin('a@x', '1.1.1.1'), failedLogin('a@x', '1.1.1.1'), failedLogin('b@x', '2.2.2.2')];
    const report = activityReport(events, [], from, from + 60 * minute);
    const summary = summarize(events, from);
    expect([report.topFailingAccounts, report.topFailingIps]).toEqual([summary.topFailingAccounts, summary.topFailingIps]);
  });
});
