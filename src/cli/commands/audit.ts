import type { Command } from 'commander';
import { output, withAdminServices } from '../context.ts';
import { printTable } from '../output.ts';

/** stepup audit [query] | audit summary */
export function auditCommands(program: Command): void {
  const audit = program.command('audit').description('authentication events (the OTP logs): sign-ins, codes, lockouts, enrolments, admin changes');
  audit
    .command('query', { isDefault: true })
    .description('list events, newest first (the default: `stepup audit --user EMAIL`)')
    .option('--user <email>', 'only this person')
    .option('--since <when>', '30m, 24h, 7d or a date', '24h')
    .option('--type <type>', 'only this event type')
    .option('--limit <n>', 'at most this many, newest first', '100')
    .option('--json', 'print JSON')
    .action(async (opts) => {
      const events = await withAdminServices((c) =>
        c.auditQueries.query({ email: opts.user, since: opts.since, type: opts.type, limit: Number(opts.limit) || 100 }),
      );
      output(opts.json, events, () =>
        printTable(
          events.map((e) => ({ ...e, at: new Date(e.at).toISOString() })),
          ['at', 'type', 'result', 'email', 'channel', 'clientId', 'ip', 'detail'],
        ),
      );
    });
  audit
    .command('summary')
    .description('counts by event type, channel and result; the accounts and IPs that fail most')
    .option('--since <when>', '30m, 24h, 7d or a date', '24h')
    .option('--json', 'print JSON')
    .action(async (opts) => {
      const summary = await withAdminServices((c) => c.auditQueries.summary(opts.since));
      output(opts.json, summary, () => {
        console.log(`${summary.events} events since ${summary.since}\n`);
        for (const [title, counts] of [
          ['type', summary.byType],
          ['channel', summary.byChannel],
          ['result', summary.byResult],
        ] as const) {
          printTable(
            Object.entries(counts).map(([key, count]) => ({ [title]: key, count })),
            [title, 'count'],
          );
          console.log('');
        }
        printTable(summary.topFailingAccounts, ['email', 'failures']);
        console.log('');
        printTable(summary.topFailingIps, ['ip', 'failures']);
      });
    });
}
