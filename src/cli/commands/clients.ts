import { Option, type Command } from 'commander';
import { printRecord, printTable } from '../output.ts';
import { collect, output, withContainer } from '../context.ts';

/** stepup client add|list|remove */
export function clientCommands(program: Command): void {
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

}
