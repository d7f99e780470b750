import { readFileSync } from 'node:fs';
import { type Command, Option } from 'commander';
import { allowedResourcesFromLines, linesOfAllowedResources } from '../../admin/allowed_resource_lines.ts';
import type { ClientChanges, NewClientInput } from '../../admin/clients.ts';
import { toClientWire, toNewClientWire, toPageWire, toRotatedSecretWire } from '../../admin/wire.ts';
import type { ClientSummary } from '../../admin/wire_schemas.ts';
import { acrValues } from '../../assurance/index.ts';
import { mfaPolicies } from '../../model/client.ts';
import { collect, integer, output, UsageError, withAdminServices } from '../context.ts';
import { printPage, printRecord } from '../output.ts';

const acrChoices = [...acrValues, 'none'];
const columns = ['client_id', 'name', 'mfa_policy', 'default_acr', 'first_party', 'public', 'redirect_uris'];
const authMethodChoices = ['client_secret_basic', 'client_secret_post', 'private_key_jwt'];

/** --jwks names a file holding the client's public JWK Set. */
function readJwks(path: string): NewClientInput['jwks'] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new UsageError(`cannot read the JWK Set file ${path}`);
  }
  try {
    // the admin service validates it like any other input
    return JSON.parse(text) as NewClientInput['jwks'];
  } catch {
    throw new UsageError(`${path} is not JSON: expected a JWK Set like {"keys":[{...}]}`);
  }
}

/** A client for people: its allowed APIs as "URL scope scope" lines, separated by semicolons. */
const forPeople = (client: ClientSummary & Record<string, unknown>) => ({
  ...client,
  allowed_resources: linesOfAllowedResources(client.allowed_resources).join('; ') || 'none',
  authorization_details_types: client.authorization_details_types.join(' ') || 'none',
});

/** --allowed-resource, given once per API: "URL scope scope"; on update, "none" alone removes them all. */
const allowedResourcesOf = (given: string[] | undefined) =>
  given === undefined ? undefined : allowedResourcesFromLines(given.length === 1 && given[0] === 'none' ? [] : given);

/** A repeatable option on update: "none" alone empties the list. */
const noneMeansNull = (given: string | undefined) => (given === 'none' ? null : given);

/** A logo file as the admin services take it (base64); they check what it is. */
function readLogo(path: string): string {
  try {
    return readFileSync(path).toString('base64');
  } catch {
    throw new UsageError(`cannot read the logo file ${path}`);
  }
}

const noneMeansEmpty = (given: string[] | undefined) => (given === undefined ? undefined : given.length === 1 && given[0] === 'none' ? [] : given);

/** stepup client add|list|get|update|rotate-secret|remove */
export function clientCommands(program: Command): void {
  const client = program.command('client').description('client applications (OIDC relying parties)');
  client
    .command('add')
    .description('register a client application')
    .requiredOption('--name <name>', 'name shown to people on the consent page')
    .requiredOption('--redirect-uri <uri>', 'allowed redirect URI (repeat for several)', collect)
    .option('--post-logout-redirect-uri <uri>', 'allowed post-logout redirect URI (repeatable)', collect)
    .option('--first-party', 'trusted application: no consent page')
    .option('--id-token-claims', 'also put the scope claims (email, profile, phone, roles) in the ID token')
    .option('--backchannel-logout-uri <uri>', 'where to post logout tokens when the person signs out or their sessions end')
    .addOption(new Option('--mfa <policy>', 'second factor policy').choices(mfaPolicies).default('required'))
    .addOption(new Option('--default-acr <acr>', 'acr asked for when the application sends none').choices(acrChoices))
    .option('--public', 'public client (no secret, PKCE required)')
    .addOption(
      new Option('--auth-method <method>', 'how the client authenticates at the token endpoint (default client_secret_basic)').choices(authMethodChoices),
    )
    .option('--jwks <file>', "for private_key_jwt: a file with the client's public keys (a JWK Set)")
    .option('--jwks-uri <url>', 'for private_key_jwt: where the client publishes its public keys (https)')
    .option(
      '--allowed-resource <api>',
      'an API it may ask for (registered in resourceServers): "URL scope scope", the scopes it may ask for there (repeat for each API; none by default)',
      collect,
    )
    .option(
      '--authorization-details-type <type>',
      'an authorization_details type it may send (among authorizationDetailsTypes in the configuration; repeatable)',
      collect,
    )
    .option('--fapi', 'held to the FAPI 2.0 Security Profile (PAR, PKCE, DPoP); needs --auth-method private_key_jwt')
    .option('--remember-browser-days <n>', 'let people remember a browser for 1 to 30 days (its device-bound key stands in for the code); 0: off', integer)
    .option('--logo-uri <url>', 'its logo on the sign-in pages (https)')
    .option('--logo-file <file>', 'its logo, uploaded: a PNG, JPEG or GIF of at most 32 KiB (SVG is refused)')
    .option('--accent-color <hex>', 'the accent of its sign-in pages, #rrggbb, at least 4.5:1 against white')
    .option('--support-uri <url>', 'where people get help (https:// or mailto:), shown on its sign-in pages')
    .option('--json', 'print JSON')
    .action(async (opts) => {
      const created = await withAdminServices(async (c) =>
        toNewClientWire(
          await c.clientAdmin.add({
            authMethod: opts.authMethod,
            jwks: opts.jwks === undefined ? undefined : readJwks(opts.jwks),
            jwksUri: opts.jwksUri,
            name: opts.name,
            redirectUris: opts.redirectUri,
            postLogoutRedirectUris: opts.postLogoutRedirectUri ?? [],
            firstParty: Boolean(opts.firstParty),
            idTokenClaims: Boolean(opts.idTokenClaims),
            backchannelLogoutUri: opts.backchannelLogoutUri ?? null,
            mfaPolicy: opts.mfa,
            defaultAcr: opts.defaultAcr === undefined || opts.defaultAcr === 'none' ? null : opts.defaultAcr,
            public: Boolean(opts.public),
            allowedResources: allowedResourcesOf(opts.allowedResource),
            authorizationDetailsTypes: opts.authorizationDetailsType ?? [],
            fapi: Boolean(opts.fapi),
            rememberBrowserDays: opts.rememberBrowserDays ? opts.rememberBrowserDays : null,
            logoUri: opts.logoUri ?? null,
            logoImage: opts.logoFile === undefined ? null : readLogo(opts.logoFile),
            accentColor: opts.accentColor ?? null,
            supportUri: opts.supportUri ?? null,
          }),
        ),
      );
      output(opts.json, created, () => {
        printRecord(forPeople(created));
        if (created.client_secret) console.log("\nThe client secret is shown only now. Keep it in the application's configuration.");
      });
    });
  client
    .command('list')
    .description('list client applications, oldest first')
    .option('--limit <n>', 'at most this many', integer, 50)
    .option('--offset <n>', 'skip this many', integer, 0)
    .option('--json', 'print JSON')
    .action(async (opts) => {
      const page = await withAdminServices(async (c) => toPageWire(await c.clientAdmin.list({ limit: opts.limit, offset: opts.offset }), toClientWire));
      output(opts.json, page, () => printPage(page, columns));
    });
  client
    .command('get')
    .description('show one client application')
    .argument('<client-id>')
    .option('--json', 'print JSON')
    .action(async (clientId: string, opts) => {
      const found = await withAdminServices(async (c) => toClientWire(await c.clientAdmin.get(clientId)));
      output(opts.json, found, () => printRecord(forPeople(found)));
    });
  client
    .command('update')
    .description('change a client application; options not given stay as they are')
    .argument('<client-id>')
    .option('--name <name>', 'name shown to people on the consent page')
    .option('--redirect-uri <uri>', 'replaces the redirect URIs (repeat for several)', collect)
    .option('--post-logout-redirect-uri <uri>', 'replaces the post-logout redirect URIs (repeatable)', collect)
    .option('--first-party', 'trusted application: no consent page')
    .option('--no-first-party', 'show the consent page again')
    .option('--id-token-claims', 'also put the scope claims in the ID token')
    .option('--no-id-token-claims', 'scope claims only in userinfo (the default)')
    .option('--backchannel-logout-uri <uri>', 'where to post logout tokens; none removes it')
    .addOption(new Option('--mfa <policy>', 'second factor policy').choices(mfaPolicies))
    .addOption(new Option('--default-acr <acr>', 'acr asked for when the application sends none; none removes it').choices(acrChoices))
    .addOption(new Option('--auth-method <method>', 'client_secret_basic and client_secret_post switch freely').choices(authMethodChoices))
    .option('--jwks <file>', 'for private_key_jwt: replaces the public keys with this JWK Set file')
    .option('--jwks-uri <url>', 'for private_key_jwt: replaces the keys with this https URL')
    .option('--allowed-resource <api>', 'replaces the APIs it may ask for: "URL scope scope" (repeat for each API); none removes them all', collect)
    .option('--authorization-details-type <type>', 'replaces the authorization_details types it may send (repeatable); none removes them all', collect)
    .option('--fapi', 'hold it to the FAPI 2.0 Security Profile; needs private_key_jwt')
    .option('--no-fapi', 'release it from the FAPI 2.0 profile')
    .option('--remember-browser-days <n>', 'let people remember a browser for 1 to 30 days; 0 turns it off', integer)
    .option('--logo-uri <url>', 'its logo on the sign-in pages (https); none removes it')
    .option('--logo-file <file>', 'upload its logo: a PNG, JPEG or GIF of at most 32 KiB; none removes it')
    .option('--accent-color <hex>', "the accent of its sign-in pages, #rrggbb; none: the theme's")
    .option('--support-uri <url>', 'where people get help (https:// or mailto:); none removes it')
    .option('--json', 'print JSON')
    .action(async (clientId: string, opts) => {
      const changes: ClientChanges = {
        authMethod: opts.authMethod,
        jwks: opts.jwks === undefined ? undefined : readJwks(opts.jwks),
        jwksUri: opts.jwksUri,
        name: opts.name,
        redirectUris: opts.redirectUri,
        postLogoutRedirectUris: opts.postLogoutRedirectUri,
        firstParty: opts.firstParty,
        idTokenClaims: opts.idTokenClaims,
        backchannelLogoutUri: opts.backchannelLogoutUri === 'none' ? null : opts.backchannelLogoutUri,
        mfaPolicy: opts.mfa,
        defaultAcr: opts.defaultAcr === 'none' ? null : opts.defaultAcr,
        allowedResources: allowedResourcesOf(opts.allowedResource),
        authorizationDetailsTypes: noneMeansEmpty(opts.authorizationDetailsType),
        fapi: opts.fapi,
        rememberBrowserDays: opts.rememberBrowserDays === 0 ? null : opts.rememberBrowserDays,
        logoUri: noneMeansNull(opts.logoUri),
        logoImage: opts.logoFile === 'none' ? null : opts.logoFile === undefined ? undefined : readLogo(opts.logoFile),
        accentColor: noneMeansNull(opts.accentColor),
        supportUri: noneMeansNull(opts.supportUri),
      };
      const given = Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined));
      if (Object.keys(given).length === 0) throw new UsageError('nothing to change: give at least one option (see --help)');
      const updated = await withAdminServices(async (c) => toClientWire(await c.clientAdmin.update(clientId, given)));
      output(opts.json, updated, () => printRecord(forPeople(updated)));
    });
  client
    .command('rotate-secret')
    .description('replace the client secret; the old one stops working at once')
    .argument('<client-id>')
    .option('--json', 'print JSON')
    .action(async (clientId: string, opts) => {
      const rotated = await withAdminServices(async (c) => toRotatedSecretWire(await c.clientAdmin.rotateSecret(clientId)));
      output(opts.json, rotated, () => {
        printRecord({ ...rotated });
        console.log('\nThe new secret is shown only now.');
      });
    });
  client
    .command('remove')
    .description('remove a client application')
    .argument('<client-id>')
    .option('--json', 'print JSON')
    .action(async (clientId: string, opts) => {
      await withAdminServices((c) => c.clientAdmin.remove(clientId));
      output(opts.json, { removed: clientId }, () => console.log(`removed client ${clientId}`));
    });
}
