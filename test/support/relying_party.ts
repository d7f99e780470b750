import * as oidc from 'openid-client';
import type { NewClientInput } from '../../src/admin/clients.ts';
import { addClient } from './clients.ts';
import type { RunningStepup } from './stepup.ts';

export interface RelyingParty {
  clientId: string;
  redirectUri: string;
  config: oidc.Configuration;
  /** Starts an authorization: the URL to send the browser to, and what to check the answer with. */
  authorize(params?: Record<string, string>): Promise<Authorization>;
}

export interface Authorization {
  url: string;
  /** Exchanges the code in the callback URL for tokens, checking state, nonce and PKCE; `params` go in the token request. */
  exchange(callback: URL, params?: Record<string, string>): Promise<oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers>;
}

/** An application registered through the admin service, talking to Stepup with openid-client. */
export async function relyingParty(stepup: RunningStepup, client: Partial<NewClientInput> = {}): Promise<RelyingParty> {
  const redirectUri = 'http://127.0.0.1:2/callback';
  const created = await addClient(stepup.container, {
    name: 'Test App',
    redirectUris: [redirectUri],
    postLogoutRedirectUris: ['http://127.0.0.1:1/bye'],
    ...client,
  });
  const auth = created.client_secret ? oidc.ClientSecretBasic(created.client_secret) : oidc.None();
  const config = await oidc.discovery(new URL(stepup.issuer), created.client_id, undefined, auth, { execute: [oidc.allowInsecureRequests] });

  return {
    clientId: created.client_id,
    redirectUri,
    config,
    async authorize(params = {}) {
      const verifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const nonce = oidc.randomNonce();
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri,
        scope: 'openid email',
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
        nonce,
        ...params,
      });
      return {
        url: url.href,
        exchange: (callback, params) =>
          oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce }, params),
      };
    },
  };
}
