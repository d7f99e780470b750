import { z } from 'zod';
import { allowedResourcesFromLines, linesOfAllowedResources } from '../admin/allowed_resource_lines.ts';
import type { ClientSummary } from '../admin/wire_schemas.ts';
import { text } from '../http/form.ts';
import { logoImageOf } from '../model/branding.ts';

/** The client form as posted: strings only, each of a bounded length. */
export const clientFormSchema = z.object({
  csrf: text(200).optional(),
  name: text(300).default(''),
  redirectUris: text(44_000).default(''),
  postLogoutRedirectUris: text(44_000).default(''),
  backchannelLogoutUri: text(2100).default(''),
  firstParty: z.literal('on').optional(),
  idTokenClaims: z.literal('on').optional(),
  fapi: z.literal('on').optional(),
  public: z.literal('on').optional(),
  mfaPolicy: text(40).default('required'),
  defaultAcr: text(60).default(''),
  authMethod: text(40).default(''),
  jwks: text(20_000).default(''),
  jwksUri: text(2100).default(''),
  allowedResources: text(44_000).default(''),
  authorizationDetailsTypes: text(2_100).default(''),
  rememberBrowserDays: text(10).default(''),
  logoUri: text(600).default(''),
  removeLogoImage: z.literal('on').optional(),
  accentColor: text(20).default(''),
  supportUri: text(600).default(''),
});

export type ClientForm = z.output<typeof clientFormSchema>;

const lines = (value: string) =>
  value
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean);

/**
 * The form in the admin services' terms (the same input the API takes): one URI (or API) a line,
 * checkboxes as booleans, empty fields as "none". A JWK Set that is not JSON is a field error here.
 */
export function clientInputOf(form: ClientForm, isNew: boolean, logoFile?: Buffer): { input: Record<string, unknown>; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  // an uploaded file is checked by the rule the API's logoImage meets (model/branding.ts), here so
  // that a file too large to send as base64 is refused in the same words rather than by its length
  const logoProblem = logoFile ? (logoImageOf(logoFile) as { problem?: string }).problem : undefined;
  if (logoProblem) errors.logoImage = `The logo file ${logoProblem}.`;
  let jwks: unknown = null;
  if (form.jwks.trim()) {
    try {
      jwks = JSON.parse(form.jwks);
    } catch {
      errors.jwks = 'must be a JSON Web Key Set: {"keys": [...]}';
    }
  }
  // empty or 0: browsers are not remembered
  const days = form.rememberBrowserDays.trim();
  if (days && !/^\d{1,3}$/.test(days)) errors.rememberBrowserDays = 'must be a whole number of days from 1 to 30, or empty';
  const rememberBrowserDays = /^\d{1,3}$/.test(days) && Number(days) > 0 ? Number(days) : null;
  // a new client gives keys only when it has them; a change says "none" to remove them
  const keys = isNew ? { jwks: jwks ?? undefined, jwksUri: form.jwksUri.trim() || undefined } : { jwks, jwksUri: form.jwksUri.trim() || null };
  const input: Record<string, unknown> = {
    name: form.name,
    redirectUris: lines(form.redirectUris),
    postLogoutRedirectUris: lines(form.postLogoutRedirectUris),
    backchannelLogoutUri: form.backchannelLogoutUri.trim() || null,
    firstParty: form.firstParty === 'on',
    idTokenClaims: form.idTokenClaims === 'on',
    fapi: form.fapi === 'on',
    mfaPolicy: form.mfaPolicy,
    defaultAcr: form.defaultAcr || null,
    allowedResources: allowedResourcesFromLines(lines(form.allowedResources)),
    authorizationDetailsTypes: form.authorizationDetailsTypes.split(/\s+/).filter(Boolean),
    rememberBrowserDays,
    logoUri: form.logoUri.trim() || null,
    // an uploaded file replaces the uploaded logo, the box removes it; neither keeps it as it is
    ...(logoFile ? { logoImage: logoFile.toString('base64') } : form.removeLogoImage === 'on' ? { logoImage: null } : {}),
    accentColor: form.accentColor.trim() || null,
    supportUri: form.supportUri.trim() || null,
    ...(form.authMethod && form.authMethod !== 'none' ? { authMethod: form.authMethod } : {}),
    ...keys,
    ...(isNew ? { public: form.public === 'on' } : {}),
  };
  return { input, errors };
}

/** A stored client as the form shows it. */
export const formOf = (client: ClientSummary): Record<string, string | boolean> => ({
  name: client.name,
  redirectUris: client.redirect_uris.join('\n'),
  postLogoutRedirectUris: client.post_logout_redirect_uris.join('\n'),
  backchannelLogoutUri: client.backchannel_logout_uri ?? '',
  firstParty: client.first_party,
  idTokenClaims: client.id_token_claims,
  fapi: client.fapi,
  public: client.public,
  mfaPolicy: client.mfa_policy,
  defaultAcr: client.default_acr ?? '',
  authMethod: client.auth_method,
  jwks: client.jwks ? JSON.stringify(client.jwks, null, 2) : '',
  jwksUri: client.jwks_uri ?? '',
  allowedResources: linesOfAllowedResources(client.allowed_resources).join('\n'),
  authorizationDetailsTypes: client.authorization_details_types.join(' '),
  rememberBrowserDays: client.remember_browser_days === null ? '' : String(client.remember_browser_days),
  logoUri: client.logo_uri ?? '',
  accentColor: client.accent_color ?? '',
  supportUri: client.support_uri ?? '',
});
