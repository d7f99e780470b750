import { z } from 'zod';
import { ACR_2FA, ACR_PHR, acrValues } from '../assurance/index.ts';
import type { RecordAudit } from '../audit/audit.ts';
import type { Clock } from '../clock.ts';
import type { Config } from '../config/schema.ts';
import { badRequest, conflict, notFound } from '../errors.ts';
import { accentProblem, linkProblem, logoImageOf, maxLogoBytes } from '../model/branding.ts';
import { type ClientRecord, maxRememberBrowserDays, mfaPolicies, rememberBrowserDaysProblem } from '../model/client.ts';
import type { AllowedResources } from '../oidc/allowed_resources.ts';
import { random } from '../random.ts';
import type { Cipher } from '../security/cipher.ts';
import type { ClientStore } from '../store/ports.ts';
import { type AdminActor, auditAdminChange } from './actor.ts';
import { allowedResourcesSchema, unregisteredIn } from './allowed_resources.ts';
import { authMetadataChange, authMethods, checkKeysFor, jwksSchema, jwksUriSchema } from './client_auth.ts';
import { type Page, type Paging, pageOf, parseInput } from './input.ts';

// One pattern is both the check and its OpenAPI description: http(s) URLs with a DNS name,
// localhost or an IPv4 address, or an app's private-use scheme (RFC 8252, com.example.app:/cb).
// Never a #fragment, never javascript:/data: URLs; everything it accepts parses as a URL.
const octet = '(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
const label = '[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const host = `(localhost|(${octet}\\.){3}${octet}|(${label}\\.)*[A-Za-z]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)`;
const port = '(6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3})';
const pathChars = "[A-Za-z0-9._~!$&'()*+,;=:@%-]";
const httpUrl = `https?://${host}(:${port})?(/${pathChars}*)*(\\?(${pathChars}|[/?])*)?`;
const appUrl = `[a-z][a-z0-9+-]*(\\.[a-z0-9+-]+)+:/(${pathChars}|/)*`;
const redirectUri = z
  .string()
  .max(2000)
  .regex(new RegExp(`^(${httpUrl}|${appUrl})$`), 'must be an http(s) URL or an app scheme like com.example.app:/callback, without a #fragment');

const clientFields = {
  name: z.string().trim().min(1).max(100).describe('shown to people on the consent page'),
  redirectUris: z.array(redirectUri).min(1).max(20),
  postLogoutRedirectUris: z.array(redirectUri).max(20),
  firstParty: z.boolean().describe('a trusted application: no consent page'),
  mfaPolicy: z
    .enum(mfaPolicies)
    .describe(
      `required: every sign-in needs the second factor; on-request: only when the application asks for ${ACR_2FA}; phishing-resistant: every sign-in needs a passkey (${ACR_PHR}); adaptive: the second factor when a risk signal fires (a new browser, network or country, recent failures), else the password alone (amr pwd, rba)`,
    ),
  defaultAcr: z
    .enum(acrValues as [string, ...string[]])
    .nullable()
    .describe('acr asked for when the application sends no acr_values'),
  backchannelLogoutUri: z
    .string()
    .max(2000)
    .regex(new RegExp(`^${httpUrl}$`), 'must be an http(s) URL without a #fragment')
    .nullable()
    .describe('where Stepup posts a logout token when the person signs out or their sessions end (OIDC Back-Channel Logout); null removes it'),
  idTokenClaims: z.boolean().describe('also put the scope claims (email, profile, phone, roles) in the ID token, not only in userinfo'),
  authMethod: z.enum(authMethods).describe('how the client authenticates at the token endpoint; private_key_jwt needs jwks or jwksUri'),
  jwks: jwksSchema.nullable(),
  jwksUri: jwksUriSchema.nullable(),
  allowedResources: allowedResourcesSchema,
  authorizationDetailsTypes: z
    .array(z.string().min(1).max(100))
    .max(20)
    .describe('the authorization_details types (RFC 9396) the client may send, among those in the configuration'),
  fapi: z.boolean().describe('held to the FAPI 2.0 Security Profile: PAR, PKCE, DPoP-bound tokens, ES256 ID tokens; needs private_key_jwt'),
  rememberBrowserDays: z
    .number()
    .int()
    .min(1)
    .max(maxRememberBrowserDays)
    .nullable()
    .describe(
      'days a browser may be remembered: its device-bound key then stands in for the second factor (amr pwd pop mfa); null turns it off; never on a phishing-resistant client',
    ),
  logoUri: z
    .string()
    .superRefine(refuseWith((value) => linkProblem(value)))
    .nullable()
    .describe("the logo on its sign-in pages, an https URL (its origin is let into those pages' CSP); null removes it"),
  logoImage: z
    .string()
    .max(Math.ceil(maxLogoBytes / 3) * 4 + 4)
    .superRefine(refuseWith((value) => uploadedLogo(value).problem))
    .nullable()
    .describe(`an uploaded logo, base64 of a PNG, JPEG or GIF file of at most ${maxLogoBytes} bytes (SVG is refused); shown before logoUri; null removes it`),
  accentColor: z
    .string()
    .superRefine(refuseWith(accentProblem))
    .nullable()
    .describe("the accent of its sign-in pages, #rrggbb, at least 4.5:1 against white (dark mode gets a lighter shade); null: the theme's"),
  supportUri: z
    .string()
    .superRefine(refuseWith((value) => linkProblem(value, { mail: true })))
    .nullable()
    .describe('where people get help, shown on its sign-in pages: https:// or mailto:; null removes it'),
};

export const newClientSchema = z
  .strictObject({
    ...clientFields,
    postLogoutRedirectUris: clientFields.postLogoutRedirectUris.default([]),
    firstParty: clientFields.firstParty.default(false),
    idTokenClaims: clientFields.idTokenClaims.default(false),
    backchannelLogoutUri: clientFields.backchannelLogoutUri.default(null),
    mfaPolicy: clientFields.mfaPolicy.default('required'),
    defaultAcr: clientFields.defaultAcr.default(null),
    allowedResources: clientFields.allowedResources.default({}),
    authorizationDetailsTypes: clientFields.authorizationDetailsTypes.default([]),
    fapi: clientFields.fapi.default(false),
    rememberBrowserDays: clientFields.rememberBrowserDays.default(null),
    logoUri: clientFields.logoUri.default(null),
    logoImage: clientFields.logoImage.default(null),
    accentColor: clientFields.accentColor.default(null),
    supportUri: clientFields.supportUri.default(null),
    public: z.boolean().default(false).describe('a public client (browser or mobile app): no secret, PKCE required'),
    authMethod: clientFields.authMethod
      .optional()
      .describe('how the client authenticates at the token endpoint (default client_secret_basic); private_key_jwt needs jwks or jwksUri'),
    jwks: jwksSchema.optional(),
    jwksUri: jwksUriSchema.optional(),
  })
  .superRefine((client, check) => {
    if (client.public && client.authMethod) check.addIssue({ code: 'custom', path: ['authMethod'], message: 'a public client does not authenticate' });
    const problem = checkKeysFor(client.authMethod, client.jwks, client.jwksUri);
    if (problem) check.addIssue({ code: 'custom', path: ['authMethod'], message: problem });
    if (client.fapi && client.authMethod !== 'private_key_jwt') check.addIssue({ code: 'custom', path: ['fapi'], message: fapiNeedsKeys });
    const remembering = rememberBrowserDaysProblem(client.rememberBrowserDays, client.mfaPolicy);
    if (remembering) check.addIssue({ code: 'custom', path: ['rememberBrowserDays'], message: remembering });
  });

export const clientChangesSchema = z
  .strictObject(clientFields)
  .partial()
  .refine((changes) => Object.keys(changes).length > 0, 'give at least one field to change')
  .meta({ minProperties: 1 });

export type NewClientInput = z.input<typeof newClientSchema>;
export type ClientChanges = z.input<typeof clientChangesSchema>;

type ClientFields = z.output<typeof clientChangesSchema>;

const fapiNeedsKeys = 'a FAPI 2.0 client authenticates with private_key_jwt';

/** Our field names onto oidc-provider's client metadata. */
function metadataOf(fields: ClientFields): Record<string, unknown> {
  const m: Record<string, unknown> = {};
  if (fields.name !== undefined) m.client_name = fields.name;
  if (fields.redirectUris !== undefined) m.redirect_uris = fields.redirectUris;
  if (fields.postLogoutRedirectUris !== undefined) m.post_logout_redirect_uris = fields.postLogoutRedirectUris;
  if (fields.firstParty !== undefined) m.first_party = fields.firstParty;
  if (fields.idTokenClaims !== undefined) m.id_token_claims = fields.idTokenClaims;
  if (fields.backchannelLogoutUri !== undefined) {
    // logout tokens always name the session (sid), so a client can end just that one
    m.backchannel_logout_uri = fields.backchannelLogoutUri ?? undefined;
    m.backchannel_logout_session_required = fields.backchannelLogoutUri ? true : undefined;
  }
  if (fields.mfaPolicy !== undefined) m.mfa_policy = fields.mfaPolicy;
  if (fields.defaultAcr !== undefined) m.default_acr_values = fields.defaultAcr === null ? undefined : [fields.defaultAcr];
  if (fields.allowedResources !== undefined) m.allowed_resources = Object.keys(fields.allowedResources).length ? fields.allowedResources : undefined;
  if (fields.authorizationDetailsTypes !== undefined) {
    m.authorization_details_types = fields.authorizationDetailsTypes.length ? fields.authorizationDetailsTypes : undefined;
  }
  // oidc/fapi_profile.ts turns this into the profile's metadata whenever the client is loaded
  if (fields.fapi !== undefined) m.fapi_profile = fields.fapi ? '2.0' : undefined;
  if (fields.rememberBrowserDays !== undefined) m.remember_browser_days = fields.rememberBrowserDays ?? undefined;
  if (fields.logoUri !== undefined) m.logo_uri = fields.logoUri ?? undefined;
  if (fields.logoImage !== undefined) m.logo_image = fields.logoImage === null ? undefined : uploadedLogo(fields.logoImage).dataUrl;
  if (fields.accentColor !== undefined) m.accent_color = fields.accentColor?.toLowerCase() ?? undefined;
  if (fields.supportUri !== undefined) m.support_uri = fields.supportUri ?? undefined;
  return m;
}

/** A zod refinement that refuses with the rule's own words. */
function refuseWith(problemOf: (value: string) => string | null | undefined) {
  return (value: string, check: z.RefinementCtx) => {
    const problem = problemOf(value);
    if (problem) check.addIssue({ code: 'custom', message: problem });
  };
}

/** An uploaded logo (base64 of the file) as the data: URL the pages show, or why it is refused. */
function uploadedLogo(base64: string): { dataUrl?: string; problem?: string } {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) return { problem: 'must be the base64 of a PNG, JPEG or GIF file' };
  return logoImageOf(Buffer.from(base64, 'base64'));
}

/** Only types in the configuration: oidc-provider would refuse to load a client with another. */
function checkDetailTypes(types: string[] | undefined, configured: string[]) {
  const unknown = (types ?? []).filter((type) => !configured.includes(type));
  if (unknown.length) {
    throw badRequest(
      `invalid client: authorizationDetailsTypes: ${unknown.join(', ')} not in the configuration's authorizationDetailsTypes (${configured.join(', ') || 'none'})`,
    );
  }
}

/** Only APIs registered in the configuration, with their own scopes, may be allowed a client. */
function checkRegistered(allowed: AllowedResources | undefined, servers: Config['resourceServers']) {
  const problems = allowed ? unregisteredIn(allowed, servers) : [];
  if (problems.length) throw badRequest(`invalid client: allowedResources: ${problems.join('; ')}`);
}

/** Client applications: register, read, change, rotate secrets, remove. Used by the CLI and the admin API. */
export function createClientAdmin(
  clients: ClientStore,
  cipher: Cipher,
  clock: Clock,
  audit: RecordAudit,
  resourceServers: Config['resourceServers'],
  detailTypes: string[] = [],
) {
  const adminChange = (clientId: string, detail: string, by?: AdminActor) => auditAdminChange(audit, by, { clientId, detail });
  const findClient = async (clientId: string) => {
    const client = await clients.find(clientId);
    if (!client) throw notFound(`no client ${clientId}`);
    return client;
  };

  return {
    /** The secret is returned once, here; it is stored encrypted. */
    async add(input: NewClientInput, by?: AdminActor): Promise<NewClient> {
      const client = parseInput(newClientSchema, input, 'client');
      checkRegistered(client.allowedResources, resourceServers);
      checkDetailTypes(client.authorizationDetailsTypes, detailTypes);
      const authMethod = client.public ? 'none' : (client.authMethod ?? 'client_secret_basic');
      const clientSecret = authMethod === 'none' || authMethod === 'private_key_jwt' ? undefined : random.id(32);
      const record: ClientRecord = {
        clientId: random.id(12),
        metadata: {
          ...metadataOf(client),
          token_endpoint_auth_method: authMethod,
          ...(client.jwks ? { jwks: client.jwks } : {}),
          ...(client.jwksUri ? { jwks_uri: client.jwksUri } : {}),
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
        },
        secretCiphertext: clientSecret ? cipher.encrypt(clientSecret) : null,
        createdAt: clock.now(),
      };
      await clients.create(record);
      await adminChange(record.clientId, 'client added', by);
      return { client: record, secret: clientSecret ?? null };
    },
    async get(clientId: string): Promise<ClientRecord> {
      return findClient(clientId);
    },
    /** Oldest first, those whose name or id contains `search` (any case); there are few clients, so paging happens here. */
    async list(paging: Paging & { search?: string }): Promise<Page<ClientRecord>> {
      const search = paging.search?.toLowerCase();
      const all = (await clients.list()).filter(
        (c) =>
          !search ||
          String(c.metadata.client_name ?? '')
            .toLowerCase()
            .includes(search) ||
          c.clientId.toLowerCase().includes(search),
      );
      return pageOf(all.slice(paging.offset, paging.offset + paging.limit), all.length, paging);
    },
    async update(clientId: string, input: ClientChanges, by?: AdminActor): Promise<ClientRecord> {
      const changes = parseInput(clientChangesSchema, input, 'client');
      checkRegistered(changes.allowedResources, resourceServers);
      checkDetailTypes(changes.authorizationDetailsTypes, detailTypes);
      const client = await findClient(clientId);
      const metadata = { ...client.metadata, ...metadataOf(changes), ...authMetadataChange(clientId, client.metadata, changes) };
      for (const key of [
        'default_acr_values',
        'jwks',
        'jwks_uri',
        'backchannel_logout_uri',
        'backchannel_logout_session_required',
        'allowed_resources',
        'authorization_details_types',
        'fapi_profile',
        'remember_browser_days',
      ])
        if (metadata[key] === undefined) delete metadata[key];
      // oidc-provider would refuse to load it: refused here, with the reason
      if (metadata.fapi_profile && metadata.token_endpoint_auth_method !== 'private_key_jwt') throw badRequest(`invalid client: fapi: ${fapiNeedsKeys}`);
      const remembering = rememberBrowserDaysProblem(metadata.remember_browser_days, metadata.mfa_policy);
      if (remembering) throw badRequest(`invalid client: rememberBrowserDays: ${remembering}`);
      const updated = { ...client, metadata };
      if (!(await clients.update(updated))) throw notFound(`no client ${clientId}`);
      await adminChange(clientId, `client updated: ${Object.keys(changes).join(', ')}`, by);
      return updated;
    },
    /** A new secret replaces the old one at once; the old one stops working. */
    async rotateSecret(clientId: string, by?: AdminActor): Promise<{ clientId: string; secret: string }> {
      const client = await findClient(clientId);
      if (client.secretCiphertext === null) throw conflict(`client ${clientId} has no secret (a public client, or one with private_key_jwt)`);
      const clientSecret = random.id(32);
      if (!(await clients.update({ ...client, secretCiphertext: cipher.encrypt(clientSecret) }))) throw notFound(`no client ${clientId}`);
      await adminChange(clientId, 'client secret rotated', by);
      return { clientId, secret: clientSecret };
    },
    async remove(clientId: string, by?: AdminActor): Promise<void> {
      if (!(await clients.remove(clientId))) throw notFound(`no client ${clientId}`);
      await adminChange(clientId, 'client removed', by);
    },
  };
}

export type ClientAdmin = ReturnType<typeof createClientAdmin>;

/** A client just registered, and its secret, shown this once (null for one without a secret). */
export interface NewClient {
  client: ClientRecord;
  secret: string | null;
}
