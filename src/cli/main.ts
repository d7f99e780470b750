import { Command, CommanderError, Option } from 'commander';
import { describeCounts, migrate, MigrationError } from '../admin/migrate.ts';
import { ConfigError, loadConfig } from '../config/load.ts';
import { buildContainer, type Container } from '../container.ts';
import { AppError } from '../http/errors.ts';
import { createLogger } from '../logger.ts';
import { redactUri, StoreUnavailableError } from '../store/mongo/database.ts';
import { openMongoStore } from '../store/mongo/index.ts';
import { printRecord, printTable } from './output.ts';

/** Exit codes: 0 done, 1 the operation failed, 2 the command line was wrong. */
class UsageError extends Error {}

async function withContainer<T>(work: (container: Container) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const container = await buildContainer(config, createLogger({ ...config, logLevel: 'warn', env: 'production' }, 2));
  try {
    return await work(container);
  } finally {
    await container.close();
  }
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) throw new UsageError('--password-stdin reads the password from standard input; pipe it in');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

function output(json: boolean, value: unknown, human: () => void) {
  if (json) console.log(JSON.stringify(value, null, 2));
  else human();
}

function buildProgram(): Command {
  const program = new Command('stepup')
    .description('Administer a Stepup server: client applications and users')
    .showHelpAfterError();

  const client = program.command('client').description('client applications (OIDC relying parties)');
  client.command('add')
    .description('register a client application')
    .requiredOption('--name <name>', 'name shown to people on the consent page')
    .requiredOption('--redirect-uri <uri>', 'allowed redirect URI (repeat for several)', collect)
    .option('--post-logout-redirect-uri <uri>', 'allowed post-logout redirect URI (repeatable)', collect)
    .option('--first-party', 'trusted application: no consent page')
    .addOption(new Option('--mfa <policy>', 'second factor policy').choices(['required', 'on-request']).default('required'))
    .option('--public', 'public client (no secret, PKCE required)')
    .option('--json', 'print JSON')
    .action(async (opts) => {
      const created = await withContainer((c) => c.clientAdmin.add({
        name: opts.name,
        redirectUris: opts.redirectUri,
        postLogoutRedirectUris: opts.postLogoutRedirectUri ?? [],
        firstParty: Boolean(opts.firstParty),
        mfaPolicy: opts.mfa,
        public: Boolean(opts.public),
      }));
      output(opts.json, created, () => {
        printRecord({ ...created });
        if (created.client_secret) console.log('\nThe client secret is shown only now. Keep it in the application\'s configuration.');
      });
    });
  client.command('list')
    .description('list client applications')
    .option('--json', 'print JSON')
    .action(async (opts) => {
      const clients = await withContainer((c) => c.clientAdmin.list());
      output(opts.json, clients, () => printTable(clients, ['client_id', 'name', 'mfa_policy', 'first_party', 'public', 'redirect_uris']));
    });
  client.command('remove')
    .description('remove a client application')
    .argument('<client-id>')
    .option('--json', 'print JSON')
    .action(async (clientId: string, opts) => {
      await withContainer((c) => c.clientAdmin.remove(clientId));
      output(opts.json, { removed: clientId }, () => console.log(`removed client ${clientId}`));
    });

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

  const audit = program.command('audit')
    .description('authentication events (the OTP logs): sign-ins, codes, lockouts, enrolments, admin changes');
  audit.command('query', { isDefault: true })
    .description('list events, newest first (the default: `stepup audit --user EMAIL`)')
    .option('--user <email>', 'only this person')
    .option('--since <when>', '30m, 24h, 7d or a date', '24h')
    .option('--type <type>', 'only this event type')
    .option('--limit <n>', 'at most this many, newest first', '100')
    .option('--json', 'print JSON')
    .action(async (opts) => {
      const events = await withContainer((c) => c.auditQueries.query({ email: opts.user, since: opts.since, type: opts.type, limit: Number(opts.limit) || 100 }));
      output(opts.json, events, () => printTable(events.map((e) => ({ ...e, at: new Date(e.at).toISOString() })), ['at', 'type', 'result', 'email', 'channel', 'clientId', 'ip', 'detail']));
    });
  audit.command('summary')
    .description('counts by event type, channel and result; the accounts and IPs that fail most')
    .option('--since <when>', '30m, 24h, 7d or a date', '24h')
    .option('--json', 'print JSON')
    .action(async (opts) => {
      const summary = await withContainer((c) => c.auditQueries.summary(opts.since));
      output(opts.json, summary, () => {
        console.log(`${summary.events} events since ${summary.since}\n`);
        for (const [title, counts] of [['type', summary.byType], ['channel', summary.byChannel], ['result', summary.byResult]] as const) {
          printTable(Object.entries(counts).map(([key, count]) => ({ [title]: key, count })), [title, 'count']);
          console.log('');
        }
        printTable(summary.topFailingAccounts, ['email', 'failures']);
        console.log('');
        printTable(summary.topFailingIps, ['ip', 'failures']);
      });
    });

  program.command('migrate')
    .description('copy this installation (accounts, clients, second factors, recovery codes, keys) into an empty MongoDB database')
    .requiredOption('--to <mongodb-uri>', 'the MongoDB to copy into; its database must be empty')
    .option('--json', 'print JSON')
    .action(async (opts) => {
      if (!/^mongodb(\+srv)?:\/\//.test(opts.to)) throw new UsageError('--to takes a mongodb:// or mongodb+srv:// URI');
      const report = await withContainer(async (c) => {
        const target = await openMongoStore(opts.to, c.clock, c.logger);
        try {
          return await migrate(c.store, target);
        } finally {
          await target.close();
        }
      });
      output(opts.json, { ...report, verified: true }, () => {
        console.log(`copied and verified: ${describeCounts(report.copied)}`);
        console.log(`into ${redactUri(opts.to)}. Sessions and tokens were not copied: people sign in again.`);
        console.log('Run Stepup with MONGODB_URI set to it, and the same ENCRYPTION_KEY or DATA_DIR (the at-rest key decrypts the secrets).');
      });
    });

  program.exitOverride();
  for (const command of program.commands) {
    command.exitOverride();
    for (const sub of command.commands) sub.exitOverride();
  }
  return program;
}

export async function runCli(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (error instanceof UsageError) {
      console.error(`stepup: ${error.message}`);
      return 2;
    }
    if (error instanceof AppError || error instanceof ConfigError || error instanceof StoreUnavailableError || error instanceof MigrationError) {
      console.error(`stepup: ${error.message}`);
      return 1;
    }
    console.error(`stepup: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}
