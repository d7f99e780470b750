import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oidc from 'openid-client';
import type { Browser as Chromium, Page } from 'playwright-core';
import type { NewClientInput } from '../src/admin/clients.ts';
import { Browser } from './support/browser.ts';
import { launchChromium } from './support/chromium.ts';
import { addClient } from './support/clients.ts';
import { type Enrolled, enrolThroughSignIn, resetPasswordByEmail } from './support/people.ts';
import { type RelyingParty, relyingParty } from './support/relying_party.ts';
import { type RunningStepup, startStepup } from './support/stepup.ts';
import { freePort, type RunningProcess, startProcess } from './support/stepup_process.ts';
import { describeWithStockRp, oauth2ProxyBinary, signInInChromium } from './support/stock_rps.ts';

const maybe = describeWithStockRp('the oauth2-proxy relying party', oauth2ProxyBinary);

let stepup: RunningStepup;
let enrolling: RelyingParty;
let upstream: Server;
/** the headers of every request oauth2-proxy let through to the application behind it */
const upstreamSaw: IncomingHttpHeaders[] = [];
/** The proxy on docs/integrating.md's flags, and Stepup as its client (to introspect the access tokens it passes on). */
let proxy: Oauth2Proxy;
/** Every proxy started, stopped at the end. */
const proxies: RunningProcess[] = [];
let chromium: Chromium;

interface Oauth2Proxy extends RunningProcess {
  asClient: oidc.Configuration;
}

/**
 * oauth2-proxy in front of the upstream, registered at Stepup as a first-party client (a proxy
 * in front of one's own application: prompt=consent, which offline_access needs, shows no
 * consent page). docs/integrating.md's flags plus `flags`, what a local http test needs (no Secure
 * cookie), a quick refresh, and the access token passed on for the test to look at.
 */
async function startOauth2Proxy(client: Partial<NewClientInput> = {}, flags: string[] = []): Promise<Oauth2Proxy> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const registered = await addClient(stepup.container, { name: 'Proxy', redirectUris: [`${url}/oauth2/callback`], firstParty: true, ...client });
  const running = await startProcess(
    'oauth2-proxy',
    oauth2ProxyBinary,
    [
      '--provider=oidc',
      `--oidc-issuer-url=${stepup.issuer}`,
      `--client-id=${registered.client_id}`,
      `--client-secret=${registered.client_secret}`,
      '--scope=openid email profile roles offline_access',
      '--prompt=consent',
      '--code-challenge-method=S256',
      '--oidc-groups-claim=groups',
      '--allowed-group=engineering',
      '--email-domain=*',
      '--cookie-refresh=2s',
      `--cookie-secret=${randomBytes(16).toString('hex')}`,
      '--cookie-secure=false',
      '--skip-provider-button',
      '--pass-access-token',
      `--redirect-url=${url}/oauth2/callback`,
      `--http-address=127.0.0.1:${port}`,
      `--upstream=http://127.0.0.1:${(upstream.address() as AddressInfo).port}/`,
      ...flags,
    ],
    { env: {}, url, readyPath: '/ping' },
  );
  proxies.push(running);
  const asClient = await oidc.discovery(new URL(stepup.issuer), registered.client_id, registered.client_secret, undefined, {
    execute: [oidc.allowInsecureRequests],
  });
  return { ...running, asClient };
}

maybe('oauth2-proxy 7.15 in front of an application', () => {
  beforeAll(async () => {
    stepup = await startStepup();
    enrolling = await relyingParty(stepup, { firstParty: true });
    upstream = createServer((request, response) => {
      upstreamSaw.push(request.headers);
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify(request.headers));
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    proxy = await startOauth2Proxy();
    chromium = await launchChromium();
  });
  afterAll(async () => {
    await chromium?.close();
    for (const running of proxies) await running.stop();
    upstream?.closeAllConnections();
    upstream?.close();
    await stepup?.stop();
  });

  /** Waits a little for oauth2-proxy to log a line matching `pattern` (its reason for a refusal). */
  async function logged(pattern: RegExp) {
    for (let tries = 0; tries < 50 && !pattern.test(proxy.output()); tries += 1) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(proxy.output()).toMatch(pattern);
  }

  /** A person who signs in with an authenticator app and proved the email by a password reset. */
  async function personWhoProvedTheEmail(roles: string[]): Promise<Enrolled> {
    const enrolled = await enrolThroughSignIn(stepup, new Browser(stepup.issuer), (await enrolling.authorize()).url);
    const person = { ...enrolled, password: 'a new password behind the proxy' };
    expect(await resetPasswordByEmail(stepup, person.email, person.password)).toBe(200);
    if (roles.length > 0) await stepup.container.userAdmin.update(person.email, { roles });
    return person;
  }

  /** Signs `person` in through `via` in a new Chromium context: the page, and what the upstream got. */
  async function signInThrough(via: Oauth2Proxy, person: Enrolled): Promise<{ page: Page; seen: IncomingHttpHeaders }> {
    const page = await (await chromium.newContext()).newPage();
    await page.goto(`${via.url}/`);
    await signInInChromium(page, stepup, person);
    await page.waitForURL(`${via.url}/`);
    return { page, seen: JSON.parse((await page.textContent('body'))!) };
  }

  /**
   * Past --cookie-refresh, loads the page again: the proxy redeems its refresh token at Stepup's
   * token endpoint, the browser never goes there. What the upstream got then.
   */
  async function reloadAfterRefresh(page: Page): Promise<IncomingHttpHeaders> {
    await new Promise((resolve) => setTimeout(resolve, 3500));
    const toStepup: string[] = [];
    page.on('request', (request) => {
      if (request.url().startsWith(stepup.issuer)) toStepup.push(request.url());
    });
    await page.reload();
    expect(toStepup).toEqual([]);
    return JSON.parse((await page.textContent('body'))!);
  }

  test('on its default email check, a person with the allowed group reaches the application as themselves, and the session is refreshed through Stepup', async () => {
    const person = await personWhoProvedTheEmail(['engineering', 'staff']);
    const account = (await stepup.container.store.accounts.findByEmail(person.email))!;
    const { page, seen } = await signInThrough(proxy, person);
    const asThemselves = { 'x-forwarded-email': person.email, 'x-forwarded-user': account.id, 'x-forwarded-groups': 'engineering,staff' };
    expect(seen).toMatchObject(asThemselves);
    const firstToken = seen['x-forwarded-access-token'] as string;
    expect(await oidc.tokenIntrospection(proxy.asClient, firstToken)).toMatchObject({ active: true, sub: account.id, acr: 'urn:stepup:loa:2fa' });

    const again = await reloadAfterRefresh(page);
    expect(again).toMatchObject(asThemselves);
    const refreshedToken = again['x-forwarded-access-token'] as string;
    expect(refreshedToken).not.toBe(firstToken);
    expect(await oidc.tokenIntrospection(proxy.asClient, refreshedToken)).toMatchObject({ active: true, sub: account.id, acr: 'urn:stepup:loa:2fa' });
    expect(proxy.output()).not.toMatch(/unable to redeem refresh token|error refreshing/i);
    await page.context().close();
  });

  test('with --skip-claims-from-profile-url, a client registered with --id-token-claims gives the proxy email and groups in the ID token, after a refresh too', async () => {
    const idTokenOnly = await startOauth2Proxy({ idTokenClaims: true }, ['--skip-claims-from-profile-url']);
    const person = await personWhoProvedTheEmail(['engineering']);
    const account = (await stepup.container.store.accounts.findByEmail(person.email))!;
    const { page, seen } = await signInThrough(idTokenOnly, person);
    const asThemselves = { 'x-forwarded-email': person.email, 'x-forwarded-user': account.id, 'x-forwarded-groups': 'engineering' };
    expect(seen).toMatchObject(asThemselves);
    const again = await reloadAfterRefresh(page);
    expect(again).toMatchObject(asThemselves);
    expect(again['x-forwarded-access-token']).not.toBe(seen['x-forwarded-access-token']);
    expect(idTokenOnly.output()).not.toMatch(/unable to redeem refresh token|error refreshing/i);
    await page.context().close();
  });

  test('a person without the allowed group is refused and never reaches the application', async () => {
    const person = await personWhoProvedTheEmail([]);
    const context = await chromium.newContext();
    const page = await context.newPage();
    await page.goto(`${proxy.url}/`);
    const callback = page.waitForResponse((response) => response.url().startsWith(`${proxy.url}/oauth2/callback`));
    await signInInChromium(page, stepup, person);
    expect((await callback).status()).toBe(403);
    await logged(new RegExp(`${person.email} .* \\[AuthFailure\\] Invalid authentication via OAuth2: unauthorized`));
    expect(upstreamSaw.map((headers) => headers['x-forwarded-email'])).not.toContain(person.email);
    await context.close();
  });

  test('a person who never proved the email is refused by the default email_verified check', async () => {
    const person = await enrolThroughSignIn(stepup, new Browser(stepup.issuer), (await enrolling.authorize()).url);
    await stepup.container.userAdmin.update(person.email, { roles: ['engineering'] });
    const context = await chromium.newContext();
    const page = await context.newPage();
    await page.goto(`${proxy.url}/`);
    const callback = page.waitForResponse((response) => response.url().startsWith(`${proxy.url}/oauth2/callback`));
    await signInInChromium(page, stepup, person);
    expect((await callback).status()).toBe(403);
    await logged(new RegExp(`email in id_token \\(${person.email}\\) isn't verified`));
    expect(upstreamSaw.map((headers) => headers['x-forwarded-email'])).not.toContain(person.email);
    await context.close();
  });
});
