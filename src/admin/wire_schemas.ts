import { z } from 'zod';
import { profileFields } from '../account/profile.ts';
import { mfaPolicies } from '../model/client.ts';
import { authMethods } from './client_auth.ts';

// The admin's wire shapes as zod schemas: the admin API's OpenAPI document is generated from
// them. wire.ts turns the services' objects into these shapes; it is apart, and free of zod, so
// that the CLI loads no zod to start (see docs/development.md).

export const userSummarySchema = z.object({
  id: z.string(),
  email: z.string(),
  phone: z.string().nullable(),
  disabled: z.boolean(),
  email_verified: z.boolean().describe('the user proved the email (a code, a reset link) or an admin vouched for it'),
  profile: z.partialRecord(z.enum(profileFields), z.string()).describe('the profile claims set (see profile in the changes)'),
  roles: z.array(z.string()),
  created_at: z.string(),
});

export type UserSummary = z.infer<typeof userSummarySchema>;

export const methodSchema = z.object({
  id: z.string(),
  kind: z.enum(['totp', 'email', 'sms', 'webauthn']),
  target: z.string().nullable().describe('the email address or phone number codes go to'),
  name: z.string().nullable().describe("a passkey's name, given by its owner"),
  synced: z.boolean().nullable().describe('a passkey that syncs between devices (amr swk), or one bound to a device (hwk)'),
  last_used_at: z.string().nullable().describe('when a passkey was last used'),
  confirmed: z.boolean(),
  created_at: z.string(),
});

export type MethodSummary = z.infer<typeof methodSchema>;

export const rememberedBrowserSchema = z.object({
  id: z.string().describe("the key's id (its public x coordinate)"),
  name: z.string().describe('the browser, from its User-Agent when it was remembered'),
  first_used_at: z.string(),
  place: z.string().nullable().describe('the country it was last used from, when GeoIP is configured'),
  last_used_at: z.string(),
  expires_at: z.string(),
});

export const methodsSchema = z.object({ methods: z.array(methodSchema), recovery_codes_left: z.number().int() });

export const userDetailSchema = userSummarySchema.extend({
  locked_until: z.string().nullable(),
  ...methodsSchema.shape,
});

export const clientSummarySchema = z.object({
  client_id: z.string(),
  name: z.string(),
  redirect_uris: z.array(z.string()),
  post_logout_redirect_uris: z.array(z.string()),
  first_party: z.boolean(),
  id_token_claims: z.boolean(),
  backchannel_logout_uri: z.string().nullable(),
  mfa_policy: z.enum(mfaPolicies),
  default_acr: z.string().nullable(),
  public: z.boolean(),
  auth_method: z.enum([...authMethods, 'none']),
  jwks: z.object({ keys: z.array(z.record(z.string(), z.unknown())) }).nullable(),
  jwks_uri: z.string().nullable(),
  allowed_resources: z.record(z.string(), z.array(z.string())),
  authorization_details_types: z.array(z.string()),
  fapi: z.boolean().describe('held to the FAPI 2.0 Security Profile (fapi_profile "2.0" in its metadata)'),
  remember_browser_days: z.number().int().nullable().describe('days a browser may be remembered by its device-bound key; null: off'),
  logo_uri: z.string().nullable().describe('its logo on the sign-in pages, an https URL'),
  logo_image: z.boolean().describe('an uploaded logo is shown (before logo_uri)'),
  accent_color: z.string().nullable().describe('the accent of its sign-in pages, #rrggbb'),
  support_uri: z.string().nullable().describe('where people get help, shown on its sign-in pages'),
  created_at: z.string(),
});

/** A client as admins see it; snake_case like the OIDC metadata it mirrors. */
export type ClientSummary = z.infer<typeof clientSummarySchema>;

export const keySummarySchema = z.object({
  use: z.enum(['signing', 'cookie']),
  kid: z.string(),
  alg: z.string().nullable(),
  state: z.enum(['pending', 'active', 'retiring']).describe('pending: published, not signing yet; retiring: no longer signs, still verifies'),
  created_at: z.string(),
  activates_at: z.string(),
  retires_at: z.string().nullable(),
});

export type KeySummary = z.infer<typeof keySummarySchema>;
