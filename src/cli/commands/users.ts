import type { Command } from 'commander';
import type { UserChanges } from '../../admin/users.ts';
import {
  toBrowserForgottenWire,
  toMethodRemovedWire,
  toMethodsWire,
  toPageWire,
  toRememberedBrowsersWire,
  toResetWire,
  toSignedOutWire,
  toUnlockedWire,
  toUserDetailWire,
  toUserRevokedWire,
  toUserWire,
} from '../../admin/wire.ts';
import type { AdminServices } from '../../container.ts';
import { collect, integer, output, readStdin, UsageError, withAdminServices } from '../context.ts';
import { printPage, printRecord, printTable } from '../output.ts';

const columns = ['id', 'email', 'phone', 'disabled', 'created_at'];

/** The user a command is about: `<user>` (id or email) or --email. */
function userRef(arg: string | undefined, opts: { email?: string }): string {
  const ref = arg ?? opts.email;
  if (!ref) throw new UsageError('which user? give their id or email, or --email EMAIL');
  return ref;
}

/** The profile options given, as changes; "" removes a field. */
async function profileOptions(opts: Record<string, unknown>): Promise<Pick<UserChanges, 'profile'>> {
  // loaded here, not at start: the fields come from a zod schema, and --help needs no zod
  const { profileFields } = await import('../../account/profile.ts');
  const given = profileFields.filter((name) => typeof opts[name] === 'string');
  if (given.length === 0) return {};
  return { profile: Object.fromEntries(given.map((name) => [name, opts[name] === '' ? null : opts[name]])) };
}

/** A command that acts on one user and prints the result. */
function userAction(
  user: Command,
  name: string,
  description: string,
  act: (c: AdminServices, ref: string) => Promise<object>,
  human: (result: Record<string, unknown>) => void,
) {
  user
    .command(name)
    .description(description)
    .argument('[user]', 'user id or email')
    .option('--email <email>', 'the user, by email')
    .option('--json', 'print JSON')
    .action(async (arg: string | undefined, opts) => {
      const ref = userRef(arg, opts);
      const result = await withAdminServices((c) => act(c, ref));
      output(opts.json, result, () => human(result as Record<string, unknown>));
    });
}

/** stepup user add|list|get|update|disable|enable|unlock|methods|reset-2fa|revoke-sessions */
export function userCommands(program: Command): void {
  const user = program.command('user').description('people who sign in');
  user
    .command('add')
    .description('create a user; the password is read from standard input')
    .requiredOption('--email <email>', 'email address (the login name)')
    .option('--phone <e164>', 'phone number in E.164 form, like +15551234567; also a verified SMS second factor')
    .option('--email-code', 'make the email a verified second factor (codes by email)')
    .option('--email-verified', 'vouch that the email belongs to the user: email_verified is true')
    .option('--password-stdin', 'read the password from standard input')
    .option('--json', 'print JSON')
    .action(async (opts) => {
      if (!opts.passwordStdin) throw new UsageError('--password-stdin is required: pass the password on standard input, never as an argument');
      const password = await readStdin();
      const created = toUserWire(
        await withAdminServices((c) =>
          c.userAdmin.add({ email: opts.email, phone: opts.phone, password, emailCode: Boolean(opts.emailCode), emailVerified: Boolean(opts.emailVerified) }),
        ),
      );
      output(opts.json, created, () => printRecord({ ...created }));
    });
  user
    .command('list')
    .description('list users by email, or search them')
    .option('--search <text>', 'part of an email address or phone number')
    .option('--limit <n>', 'at most this many', integer, 50)
    .option('--offset <n>', 'skip this many', integer, 0)
    .option('--json', 'print JSON')
    .action(async (opts) => {
      const page = toPageWire(await withAdminServices((c) => c.userAdmin.list({ search: opts.search, limit: opts.limit, offset: opts.offset })), toUserWire);
      output(opts.json, page, () => printPage(page, columns));
    });
  userAction(
    user,
    'get',
    'show a user with their second factors and lockout',
    async (c, ref) => toUserDetailWire(await c.userAdmin.get(ref)),
    (found) => {
      const { methods, ...rest } = found as { methods: object[] };
      printRecord(rest);
      console.log('');
      printTable(methods, ['id', 'kind', 'target', 'confirmed', 'created_at']);
    },
  );
  user
    .command('update')
    .description("change a user's email or phone, or make their email a verified factor")
    .argument('[user]', 'user id or email')
    .option('--email <email>', 'the user, by email')
    .option('--new-email <email>', 'the new login email')
    .option('--phone <e164>', 'new phone number in E.164 form; replaces the SMS second factor')
    .option('--no-phone', 'remove the phone number and the SMS second factor')
    .option('--email-code', 'make the email a verified second factor (codes by email)')
    .option('--email-verified', 'vouch that the email belongs to the user: email_verified is true')
    .option('--no-email-verified', 'email_verified is false until the user proves the address')
    .option('--name <name>', 'full name (the name claim); "" removes it')
    .option('--given-name <name>', 'given name; "" removes it')
    .option('--family-name <name>', 'family name; "" removes it')
    .option('--middle-name <name>', 'middle name(s); "" removes it')
    .option('--nickname <name>', 'casual name; "" removes it')
    .option('--preferred-username <name>', 'preferred username; "" removes it')
    .option('--profile-url <url>', 'their profile page (the profile claim); "" removes it')
    .option('--picture <url>', 'URL of a picture of them; "" removes it')
    .option('--website <url>', 'their web page or blog; "" removes it')
    .option('--gender <word>', 'female, male or another word; "" removes it')
    .option('--birthdate <date>', 'YYYY-MM-DD, 0000-MM-DD or YYYY; "" removes it')
    .option('--zoneinfo <zone>', 'IANA time zone like Europe/Paris; "" removes it')
    .option('--locale <tag>', 'BCP 47 language tag like en-GB; "" removes it')
    .option('--role <role>', 'replaces the roles (repeat for several)', collect)
    .option('--no-roles', 'remove every role')
    .option('--json', 'print JSON')
    .action(async (arg: string | undefined, opts) => {
      const ref = userRef(arg, opts);
      const changes: UserChanges = {
        ...(opts.newEmail !== undefined ? { email: opts.newEmail } : {}),
        ...(typeof opts.phone === 'string' ? { phone: opts.phone } : opts.phone === false ? { phone: null } : {}),
        ...(opts.emailCode ? { emailCode: true } : {}),
        ...(typeof opts.emailVerified === 'boolean' ? { emailVerified: opts.emailVerified } : {}),
        ...(await profileOptions(opts)),
        ...(opts.role ? { roles: opts.role } : opts.roles === false ? { roles: [] } : {}),
      };
      if (Object.keys(changes).length === 0) throw new UsageError('nothing to change: give at least one option (see --help)');
      const updated = toUserWire(await withAdminServices((c) => c.userAdmin.update(ref, changes)));
      output(opts.json, updated, () => printRecord({ ...updated }));
    });
  userAction(
    user,
    'disable',
    'stop a user from signing in and end their sessions',
    async (c, ref) => toUserRevokedWire(await c.userAdmin.setDisabled(ref, true)),
    (r) => console.log(`${String(r.email)} disabled; ${String(r.revoked)} sessions and tokens ended`),
  );
  userAction(
    user,
    'enable',
    'let a disabled user sign in again',
    async (c, ref) => toUserRevokedWire(await c.userAdmin.setDisabled(ref, false)),
    (r) => console.log(`${String(r.email)} enabled`),
  );
  userAction(
    user,
    'unlock',
    'lift a lockout and clear the failure counts',
    async (c, ref) => toUnlockedWire(await c.userAdmin.unlock(ref)),
    (r) => console.log(`${String(r.email)} ${r.was_locked ? 'unlocked' : 'was not locked; failure counts cleared'}`),
  );
  userAction(
    user,
    'methods',
    "list a user's second factors and how many recovery codes are left",
    async (c, ref) => toMethodsWire(await c.userAdmin.methods(ref)),
    (r) => {
      printTable(r.methods as object[], ['id', 'kind', 'target', 'name', 'last_used_at', 'confirmed', 'created_at']);
      console.log(`\nrecovery codes left: ${String(r.recovery_codes_left)}`);
    },
  );
  user
    .command('remove-method')
    .description('remove one second factor (a lost passkey, say), never the last; signs the user out everywhere')
    .argument('[user]', 'user id or email')
    .option('--email <email>', 'the user, by email')
    .requiredOption('--method <id>', 'the id shown by `stepup user methods`')
    .option('--json', 'print JSON')
    .action(async (arg: string | undefined, opts) => {
      const ref = userRef(arg, opts);
      const result = toMethodRemovedWire(await withAdminServices((c) => c.userAdmin.removeMethod(ref, opts.method)));
      output(opts.json, result, () => console.log(`${result.email}: ${result.removed} removed, ${result.revoked} sessions and tokens ended`));
    });
  userAction(
    user,
    'remembered-browsers',
    "list a user's remembered browsers (a device-bound key each, standing in for the code where a client allows it)",
    async (c, ref) => toRememberedBrowsersWire(await c.userAdmin.rememberedBrowsers(ref)),
    (r) => printTable(r.browsers as object[], ['id', 'name', 'first_used_at', 'last_used_at', 'expires_at']),
  );
  user
    .command('forget-browser')
    .description('forget one remembered browser: its next sign-in is asked for the second factor')
    .argument('[user]', 'user id or email')
    .option('--email <email>', 'the user, by email')
    .requiredOption('--browser <id>', 'the id shown by `stepup user remembered-browsers`')
    .option('--json', 'print JSON')
    .action(async (arg: string | undefined, opts) => {
      const ref = userRef(arg, opts);
      const result = toBrowserForgottenWire(await withAdminServices((c) => c.userAdmin.forgetBrowser(ref, opts.browser)));
      output(opts.json, result, () => console.log(`${result.email}: ${result.forgotten.name} forgotten`));
    });
  userAction(
    user,
    'reset-2fa',
    'remove every second factor and recovery code (lost phone); the next sign-in enrols anew',
    async (c, ref) => toResetWire(await c.userAdmin.resetSecondFactor(ref)),
    (r) => console.log(`${String(r.email)}: ${String(r.methods_removed)} second factors removed, ${String(r.revoked)} sessions and tokens ended`),
  );
  userAction(
    user,
    'revoke-sessions',
    'sign the user out everywhere: sessions, grants and refresh tokens',
    async (c, ref) => toSignedOutWire(await c.userAdmin.revokeSessions(ref)),
    (r) => console.log(`${String(r.email)}: ${String(r.revoked)} sessions and tokens ended`),
  );
}
