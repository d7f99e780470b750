// A web application that calls an API protected by Stepup's resource-server kit and, when the
// API answers with RFC 9470's step-up challenge, sends the person back to Stepup with the
// challenge's acr_values and max_age, then makes the call again. Built on openid-client.
// Environment: ISSUER, CLIENT_ID, CLIENT_SECRET (a client registered with --mfa on-request),
// API (where the API listens), AUDIENCE (the API's URL registered at Stepup), PORT.
// An example: sessions live in memory and never expire, and the transfer form relies on the
// SameSite=Lax cookie alone; a real application keeps sessions in its store, with a CSRF token.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import * as oidc from 'openid-client';

const port = Number(process.env.PORT ?? 4200);
const here = `http://127.0.0.1:${port}`;
const insecure = new URL(process.env.ISSUER).protocol === 'http:' ? { execute: [oidc.allowInsecureRequests] } : {};
const config = await oidc.discovery(new URL(process.env.ISSUER), process.env.CLIENT_ID, process.env.CLIENT_SECRET, undefined, insecure);
const scope = 'openid payments:read payments:write';

/** Sessions by cookie: the tokens, the sign-in under way, the call waiting for a step-up. */
const sessions = new Map();

/** Sends the person to Stepup; `challenge` carries what the API asked for (acr_values, max_age). */
async function signIn(session, response, challenge = {}) {
  session.verifier = oidc.randomPKCECodeVerifier();
  session.state = oidc.randomState();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: `${here}/callback`,
    scope,
    resource: process.env.AUDIENCE,
    state: session.state,
    code_challenge: await oidc.calculatePKCECodeChallenge(session.verifier),
    code_challenge_method: 'S256',
    ...(challenge.acr_values && { acr_values: challenge.acr_values }),
    ...(challenge.max_age && { max_age: challenge.max_age }),
  });
  response.writeHead(303, { location: url.href }).end();
}

/** Calls the API; on a step-up challenge the call waits and the person signs in again. */
async function transfer(session, response) {
  try {
    const answer = await oidc.fetchProtectedResource(config, session.tokens.access_token, new URL('/transfers', process.env.API), 'POST');
    return page(response, `Transfer: ${answer.status} ${htmlText(await answer.text())}`);
  } catch (error) {
    const challenge = error instanceof oidc.WWWAuthenticateChallengeError && error.cause.find((c) => c.scheme === 'bearer')?.parameters;
    // one step-up per call: a second challenge after it means the API wants what Stepup did not give
    if (challenge?.error !== 'insufficient_user_authentication' || session.steppedUp) throw error;
    session.waiting = 'transfer';
    return signIn(session, response, challenge);
  }
}

async function callback(session, request, response) {
  const { verifier, state, waiting } = session;
  // each sign-in's state and verifier serve once
  Object.assign(session, { verifier: undefined, state: undefined, waiting: undefined });
  const callbackUrl = new URL(request.url, here);
  const tokens = await oidc.authorizationCodeGrant(
    config,
    callbackUrl,
    { pkceCodeVerifier: verifier, expectedState: state },
    { resource: process.env.AUDIENCE },
  );
  session.tokens = tokens;
  const { acr, amr } = tokens.claims();
  if (waiting === 'transfer') {
    session.steppedUp = true;
    try {
      return await transfer(session, response);
    } finally {
      session.steppedUp = false;
    }
  }
  return page(
    response,
    `Signed in at ${htmlText(acr)} (${htmlText(amr.join(' '))}). <form method="post" action="/transfer"><button>Send 120.00 EUR to ACME</button></form>`,
  );
}

const htmlText = (text) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const page = (response, body) =>
  response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<!doctype html><title>Payments</title><main>${body}</main>`);

createServer(async (request, response) => {
  const sid = /(?:^|; )sid=([\w-]+)/.exec(request.headers.cookie ?? '')?.[1];
  const session = sessions.get(sid) ?? {};
  if (!sessions.has(sid)) {
    const id = randomBytes(16).toString('base64url');
    sessions.set(id, session);
    response.setHeader('set-cookie', `sid=${id}; HttpOnly; SameSite=Lax; Path=/`);
  }
  const path = new URL(request.url, here).pathname;
  try {
    if (path === '/') return signIn(session, response);
    if (path === '/callback') return await callback(session, request, response);
    if (path === '/transfer' && request.method === 'POST' && session.tokens) return await transfer(session, response);
    response.writeHead(404).end();
  } catch (error) {
    response.writeHead(500, { 'content-type': 'text/plain' }).end(`error: ${error.message}`);
  }
}).listen(port, '127.0.0.1', () => console.log('payments app listening'));
