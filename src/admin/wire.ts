import type { RememberedBrowser } from '../factors/remembered_browsers.ts';
import type { Account } from '../model/account.ts';
import { type ClientRecord, type MfaPolicy, mfaPolicyOf, rememberBrowserDaysOf } from '../model/client.ts';
import type { Factor } from '../model/factor.ts';
import { allowedResourcesOf } from '../oidc/allowed_resources.ts';
import type { NewClient } from './clients.ts';
import type { Page } from './input.ts';
import type { KeyInUse } from './keys.ts';
import type { AccountOutcome, UserDetail, UserFactors } from './users.ts';
import type { ClientSummary, KeySummary, MethodSummary, UserSummary } from './wire_schemas.ts';

// The admin's wire shapes: the snake_case JSON the admin API answers with, that `stepup … --json`
// prints, and that the console's pages show (their schemas, for the OpenAPI document, are in
// wire_schemas.ts). The services return the domain's objects; the edges turn them into these.
// Here, beside the services, not in admin_api/: the CLI and the console may not import the API.

const iso = (ms: number) => new Date(ms).toISOString();

/** A page of the services' objects as a page of wire shapes. */
export const toPageWire = <T, U>(page: Page<T>, toWire: (item: T) => U): Page<U> => ({ ...page, items: page.items.map(toWire) });

export const toUserWire = (account: Account): UserSummary => ({
  id: account.id,
  email: account.email,
  phone: account.phone,
  disabled: account.disabled,
  email_verified: account.emailVerified,
  profile: account.profile,
  roles: account.roles,
  created_at: iso(account.createdAt),
});

const toMethodWire = (factor: Factor): MethodSummary => ({
  id: factor.id,
  kind: factor.kind,
  target: factor.target,
  name: factor.passkey?.name ?? null,
  synced: factor.passkey?.synced ?? null,
  last_used_at: factor.passkey?.lastUsedAt ? iso(factor.passkey.lastUsedAt) : null,
  confirmed: factor.confirmedAt !== null,
  created_at: iso(factor.createdAt),
});

export const toMethodsWire = ({ factors, recoveryCodesLeft }: UserFactors) => ({ methods: factors.map(toMethodWire), recovery_codes_left: recoveryCodesLeft });

export const toUserDetailWire = (detail: UserDetail) => ({
  ...toUserWire(detail.account),
  locked_until: detail.lockedUntil === null ? null : iso(detail.lockedUntil),
  ...toMethodsWire(detail),
});

/** Disabled or enabled: the user, and how many sessions and tokens ended. */
export const toUserRevokedWire = ({ account, revoked }: AccountOutcome) => ({ ...toUserWire(account), revoked });

export const toUnlockedWire = ({ account, wasLocked }: { account: Account; wasLocked: boolean }) => ({ ...toUserWire(account), was_locked: wasLocked });

/** Signed out everywhere, second factors reset or one removed: who, and what ended. */
export const toSignedOutWire = ({ account, revoked }: AccountOutcome) => ({ id: account.id, email: account.email, revoked });

export const toResetWire = ({ account, methodsRemoved, revoked }: AccountOutcome & { methodsRemoved: number }) => ({
  id: account.id,
  email: account.email,
  methods_removed: methodsRemoved,
  revoked,
});

export const toRememberedBrowserWire = (browser: RememberedBrowser) => ({
  id: browser.keyId,
  name: browser.name,
  first_used_at: iso(browser.firstUsedAt),
  last_used_at: iso(browser.lastUsedAt),
  expires_at: iso(browser.expiresAt),
  place: browser.place ?? null,
});

export const toRememberedBrowsersWire = ({ account, browsers }: { account: Account; browsers: RememberedBrowser[] }) => ({
  id: account.id,
  email: account.email,
  browsers: browsers.map(toRememberedBrowserWire),
});

export const toBrowserForgottenWire = ({ account, forgotten }: { account: Account; forgotten: RememberedBrowser }) => ({
  id: account.id,
  email: account.email,
  forgotten: toRememberedBrowserWire(forgotten),
});

export const toMethodRemovedWire = ({ account, removed, revoked }: AccountOutcome & { removed: Factor['kind'] }) => ({
  id: account.id,
  email: account.email,
  removed,
  revoked,
});

export function toClientWire(record: ClientRecord): ClientSummary {
  const m = record.metadata;
  return {
    client_id: record.clientId,
    name: String(m.client_name ?? ''),
    redirect_uris: (m.redirect_uris as string[] | undefined) ?? [],
    post_logout_redirect_uris: (m.post_logout_redirect_uris as string[] | undefined) ?? [],
    first_party: m.first_party === true,
    id_token_claims: m.id_token_claims === true,
    backchannel_logout_uri: (m.backchannel_logout_uri as string | undefined) ?? null,
    mfa_policy: mfaPolicyOf(m) satisfies MfaPolicy,
    default_acr: (m.default_acr_values as string[] | undefined)?.[0] ?? null,
    public: m.token_endpoint_auth_method === 'none',
    auth_method: (m.token_endpoint_auth_method as ClientSummary['auth_method'] | undefined) ?? 'client_secret_basic',
    jwks: (m.jwks as ClientSummary['jwks'] | undefined) ?? null,
    jwks_uri: (m.jwks_uri as string | undefined) ?? null,
    allowed_resources: allowedResourcesOf(m),
    authorization_details_types: (m.authorization_details_types as string[] | undefined) ?? [],
    fapi: m.fapi_profile === '2.0',
    remember_browser_days: rememberBrowserDaysOf(m),
    logo_uri: typeof m.logo_uri === 'string' ? m.logo_uri : null,
    logo_image: typeof m.logo_image === 'string',
    accent_color: typeof m.accent_color === 'string' ? m.accent_color : null,
    support_uri: typeof m.support_uri === 'string' ? m.support_uri : null,
    created_at: iso(record.createdAt),
  };
}

/** A client just registered: its secret beside it, this once. */
export const toNewClientWire = ({ client, secret }: NewClient) => ({ ...toClientWire(client), ...(secret ? { client_secret: secret } : {}) });

export const toRotatedSecretWire = ({ clientId, secret }: { clientId: string; secret: string }) => ({ client_id: clientId, client_secret: secret });

export const toKeyWire = (key: KeyInUse): KeySummary => ({
  use: key.use,
  kid: key.kid,
  alg: key.alg,
  state: key.state,
  created_at: iso(key.createdAt),
  activates_at: iso(key.activatesAt),
  retires_at: key.retiresAt === null ? null : iso(key.retiresAt),
});
