import type { Command } from 'commander';
import { printRecord, printTable } from '../output.ts';
import { output, readStdin, UsageError, withContainer } from '../context.ts';

/** stepup user add|update|unlock|list */
export function userCommands(program: Command): void {
  const user = program.command('user').description('people who sign in');
  user.command('add')
    .description('create a user; the password is read from standard input')
    .requiredOption('--email <email>', 'email address (the login name)')
    .option('--phone <e164>', 'phone number in E.164 form, like +15551234567; also a verified SMS second factor')
    .option('--email-code', 'make the email a verified second factor (codes by email)')
    .option('--password-stdin', 'read the password from standard input')
    .option('--json', 'print JSON')
    .action(async (opts) => {
      if (!opts.passwordStdin) throw new UsageError('--password-stdin is required: pass the password on standard input, never as an argument');
      const password = await readStdin();
      const created = await withContainer((c) => c.userAdmin.add({ email: opts.email, phone: opts.phone, password, emailCode: Boolean(opts.emailCode) }));
      output(opts.json, created, () => printRecord({ ...created }));
    });
  user.command('update')
    .description("change a user's phone (also their verified SMS factor) or make their email a verified factor")
    .requiredOption('--email <email>', 'the user to change')
    .option('--phone <e164>', 'new phone number in E.164 form; replaces the SMS second factor')
    .option('--email-code', 'make the email a verified second factor (codes by email)')
    .option('--json', 'print JSON')
    .action(async (opts) => {
      if (opts.phone === undefined && !opts.emailCode) throw new UsageError('nothing to change: give --phone and/or --email-code');
      const updated = await withContainer((c) => c.userAdmin.update(opts.email, { phone: opts.phone, emailCode: Boolean(opts.emailCode) }));
      output(opts.json, updated, () => printRecord({ ...updated }));
    });
  user.command('unlock')
    .description('lift a lockout and clear the failure counts')
    .requiredOption('--email <email>', 'the user to unlock')
    .option('--json', 'print JSON')
    .action(async (opts) => {
      const unlocked = await withContainer((c) => c.userAdmin.unlock(opts.email));
      output(opts.json, unlocked, () => console.log(`${unlocked.email} ${unlocked.was_locked ? 'unlocked' : 'was not locked; failure counts cleared'}`));
    });
  user.command('list')
    .description('list users')
    .option('--json', 'print JSON')
    .action(async (opts) => {
      const users = await withContainer((c) => c.userAdmin.list());
      output(opts.json, users, () => printTable(users, ['id', 'email', 'phone', 'disabled', 'created_at']));
    });

}
