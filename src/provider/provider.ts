import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { accountClientMetadata, consoleClientMetadata } from '../account/account_client.ts';
import type { Config } from '../config/schema.ts';
import { storageDown } from '../http/error_handler.ts';
import type { Pages } from '../http/pages.ts';
import type { Stepup } from '../plugin/stepup.ts';
import { cookieKeys } from '../security/cookie_signer.ts';
import { isStoreUnreachable } from '../store/unreachable.ts';
import { advertisedClientAuthMethods, assertClientAssertionClaims, clientAssertionAlgs } from './client_authentication.ts';
import { clientUriFetch } from './client_uri_fetch.ts';
import { introspection, refreshTokensSayTheirType, signInClaims } from './introspection.ts';
import type { ProviderKeys } from './keys.ts';
import { acceptsPost, sessionCookieSameSite } from './provider_methods.ts';
import { resourceIndicators } from './resource_servers.ts';
import { revocation } from './revocation.ts';

export interface ProviderDeps {
  config: Config;
  keys: ProviderKeys;
  adapter: Configuration['adapter'];
  findAccount: Configuration['findAccount'];
  pages: Pages;
  stepup: Stepup;
}

/** oidc-provider's endpoints; the app hands it these paths (and below) and no others. */
export const providerRoutes = {
  authorization: '/auth',
  end_session: '/session/end',
  jwks: '/jwks',
  revocation: '/token/revocation',
  token: '/token',
  userinfo: '/me',
  pushed_authorization_request: '/request',
  introspection: '/token/introspection',
};

export const isProviderPath = (path: string) =>
  path.startsWith('/.well-known/') || Object.values(providerRoutes).some((route) => path === route || path.startsWith(`${route}/`));

const pageHeaders = (ctx: KoaContextWithOIDC) => {
  ctx.set('Cache-Control', 'no-store');
  ctx.type = 'html';
};

/**
 * oidc-provider as the standalone server hosts it: its storage, clients, keys, cookies,
 * endpoints and pages, with Stepup's second factor added the way any host adds it.
 */
export function createProvider({ config, keys, adapter, findAccount, pages, stepup }: ProviderDeps): Provider {
  const secureCookies = config.issuer.startsWith('https:');
  const cookieOptions = { signed: true, httpOnly: true, sameSite: 'lax' as const, secure: secureCookies };
  const ttl = config.ttl;

  const provider = new Provider(
    config.issuer,
    stepup.configuration({
      adapter,
      findAccount,
      // the account area's and the console's clients; every other client lives in the client store
      clients: [accountClientMetadata(config.issuer, config.serviceName), consoleClientMetadata(config.issuer, config.serviceName)],
      jwks: keys.jwks,
      cookies: { keys: cookieKeys(keys.cookieKeys), long: { ...cookieOptions, sameSite: sessionCookieSameSite(config.issuer) }, short: cookieOptions },
      enableHttpPostMethods: acceptsPost(config.issuer),
      claims: {
        email: ['email', 'email_verified'],
        phone: ['phone_number', 'phone_number_verified'],
        profile: [
          'name',
          'given_name',
          'family_name',
          'middle_name',
          'nickname',
          'preferred_username',
          'profile',
          'picture',
          'website',
          'gender',
          'birthdate',
          'zoneinfo',
          'locale',
          'updated_at',
        ],
        roles: ['roles', 'groups'],
      },
      scopes: ['openid', 'email', 'phone', 'offline_access', 'profile', 'roles'],
      // which scope claims go into the ID token is decided per client, in findAccount
      conformIdTokenClaims: false,
      responseTypes: ['code'],
      clientAuthMethods: advertisedClientAuthMethods,
      enabledJWA: { clientAuthSigningAlgValues: clientAssertionAlgs },
      assertJwtClientAuthClaimsAndHeader: assertClientAssertionClaims,
      routes: providerRoutes,
      clientDefaults: {
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
        id_token_signed_response_alg: 'RS256',
        // DESIGN.md: auth_time is always in the ID token
        require_auth_time: true,
      },
      features: {
        devInteractions: { enabled: false },
        claimsParameter: { enabled: true },
        revocation,
        introspection: introspection(config),
        resourceIndicators: resourceIndicators(config),
        backchannelLogout: { enabled: true },
        userinfo: { enabled: true },
        rpInitiatedLogout: {
          enabled: true,
          async logoutSource(ctx, form) {
            pageHeaders(ctx);
            ctx.body = pages.render('logout', { form, clientName: ctx.oidc.client?.clientName }, ctx);
          },
          async postLogoutSuccessSource(ctx) {
            pageHeaders(ctx);
            ctx.body = pages.render('logged_out', {}, ctx);
          },
        },
      },
      extraTokenClaims: (ctx) => signInClaims(ctx),
      fetch: clientUriFetch(config.allowPrivateClientUris),
      async renderError(ctx, out, error) {
        pageHeaders(ctx);
        if (isStoreUnreachable(error)) {
          ctx.status = 503;
          ctx.body = pages.render('error', { title: 'error.title_ours', message: 'error.storage_down' }, ctx);
          return;
        }
        ctx.body = pages.render(
          'error',
          // oidc-provider's own description is technical and English: shown under the person's words, marked as English
          { title: 'error.title_sign_in', message: 'error.authorization_refused', detail: out.error_description ?? out.error },
          ctx,
        );
      },
      ttl: {
        Interaction: ttl.interactionSeconds,
        Session: ttl.sessionSeconds,
        AuthorizationCode: ttl.authorizationCodeSeconds,
        // a registered API's own lifetime (resourceServers) for its tokens
        AccessToken: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? ttl.accessTokenSeconds,
        IdToken: ttl.idTokenSeconds,
        RefreshToken: ttl.refreshTokenSeconds,
        Grant: ttl.grantSeconds,
      },
    }),
  );
  // an unreachable store is a 503 (try again) on the JSON endpoints too, as renderError makes it
  // for pages; oidc-provider tells of the error after setting its 500, before answering
  provider.on('server_error', (ctx, error) => {
    if (!isStoreUnreachable(error) || ctx.status !== 500 || typeof ctx.body !== 'object') return;
    ctx.status = 503;
    ctx.body = { error: 'temporarily_unavailable', error_description: storageDown };
  });
  refreshTokensSayTheirType(provider);
  stepup.attach(provider);
  return provider;
}
