/**
 * A tiny application that signs people in through Stepup with openid-client:
 *   CLIENT_ID=... CLIENT_SECRET=... npm run example-app   →  http://localhost:8080
 * Register it first: npx stepup client add --name "Example app" --redirect-uri http://localhost:8080/callback
 */
import { createServer } from 'node:http';
import * as oidc from 'openid-client';

const issuer = new URL(process.env.ISSUER ?? 'http://localhost:3000');
const clientId = process.env.CLIENT_ID;
const clientSecret = process.env.CLIENT_SECRET;
const port = Number(process.env.APP_PORT ?? 8080);
const redirectUri = `http://localhost:${port}/callback`;
if (!clientId) throw new Error('set CLIENT_ID (and CLIENT_SECRET for a confidential client)');

const config = await oidc.discovery(issuer, clientId, clientSecret, undefined, {
  // the development server speaks plain http on localhost
  execute: issuer.protocol === 'http:' ? [oidc.allowInsecureRequests] : [],
});

// one pending sign-in at a time is enough for a demo; a real app keeps this in its session
let pending: { verifier: string; state: string; nonce: string } | undefined;
const escapeHtml = (text: string) => text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

createServer(async (req, res) => {
  const url = new URL(req.url ?? '/', `http://localhost:${port}`);
  try {
    if (url.pathname === '/callback' && pending) {
      const tokens = await oidc.authorizationCodeGrant(config, url, {
        pkceCodeVerifier: pending.verifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
      });
      pending = undefined;
      const claims = tokens.claims()!;
      const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end(`<h1>Signed in as ${escapeHtml(String(userinfo.email))}</h1>
        <p>acr: <code>${escapeHtml(String(claims.acr))}</code>, amr: <code>${escapeHtml(JSON.stringify(claims.amr))}</code></p>
        <p><a href="/">Sign in again</a> · <a href="/?acr=2fa">Ask for two factors</a></p>`);
      return;
    }
    pending = { verifier: oidc.randomPKCECodeVerifier(), state: oidc.randomState(), nonce: oidc.randomNonce() };
    const authorizationUrl = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid email',
      code_challenge: await oidc.calculatePKCECodeChallenge(pending.verifier),
      code_challenge_method: 'S256',
      state: pending.state,
      nonce: pending.nonce,
      ...(url.searchParams.get('acr') === '2fa' ? { acr_values: 'urn:stepup:loa:2fa' } : {}),
    });
    res.writeHead(302, { location: authorizationUrl.href }).end();
  } catch (error) {
    res.writeHead(500, { 'content-type': 'text/plain' }).end(`sign-in failed: ${(error as Error).message}`);
  }
}).listen(port, '127.0.0.1', () => console.log(`Example app on http://localhost:${port}`));
