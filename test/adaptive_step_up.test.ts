import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import type { BrowserContext, Browser as Chromium } from 'playwright-core';
import { Browser } from './support/browser.ts';
import { describeInChromium, launchChromium } from './support/chromium.ts';
import { writeMmdb } from './support/mmdb_writer.ts';
import { waitForMessage } from './support/outbox.ts';
import { adminInConsole, type Enrolled, enrolThroughSignIn, nextTimeStep, totpCode } from './support/people.ts';
import { type RelyingParty, relyingParty } from './support/relying_party.ts';
import { type RunningStepup, startStepup } from './support/stepup.ts';

/**
 * Adaptive step-up (mfa_policy "adaptive"): the password alone when the sign-in comes from the
 * person's usual browser and network (amr pwd rba, acr 1fa); the second factor when a risk
 * signal fires: a new browser, a new network, recent failures, a new country, impossible
 * travel, or an admin's "always ask" network. Addresses come from X-Forwarded-For behind a
 * trusted proxy; countries from a small GeoIP database written by the test.
 */
const lisbon = '203.0.113.7';
const lisbonOffice = '203.0.114.20';
const tokyo = '198.51.100.7';
const home = '192.0.2.10';
const alwaysAsk = '192.0.2.200';
const neverAsk = '100.64.0.5';

let geoDir: string;
let stepup: RunningStepup;
let adaptiveApp: RelyingParty;
let onRequestApp: RelyingParty;

beforeAll(async () => {
  geoDir = mkdtempSync(join(tmpdir(), 'stepup-geoip-'));
  const database = join(geoDir, 'test-city.mmdb');
  const city = (code: string, name: string, latitude: number, longitude: number) => ({
    country: { iso_code: code, names: { en: name } },
    location: { latitude, longitude },
  });
  writeMmdb(
    database,
    [
      { network: '203.0.113.0/24', record: city('PT', 'Portugal', 38.72, -9.14) },
      { network: '203.0.114.0/24', record: city('PT', 'Portugal', 38.73, -9.15) },
      { network: '198.51.100.0/24', record: city('JP', 'Japan', 35.68, 139.69) },
      { network: '192.0.2.0/24', record: city('PT', 'Portugal', 41.15, -8.61) },
    ],
    { databaseType: 'Test-City' },
  );
  stepup = await startStepup(
    { TRUST_PROXY: 'true' },
    { geoipDatabase: database, adaptive: { alwaysAskNetworks: ['192.0.2.192/26'], neverAskNetworks: ['100.64.0.0/10'] } },
  );
  adaptiveApp = await relyingParty(stepup, { firstParty: true, mfaPolicy: 'adaptive' });
  onRequestApp = await relyingParty(stepup, { firstParty: true, mfaPolicy: 'on-request' });
});
afterAll(async () => {
  await stepup.stop();
  rmSync(geoDir, { recursive: true, force: true });
});

const browserAt = (ip: string) => {
  const browser = new Browser(stepup.issuer);
  browser.headers = { 'x-forwarded-for': ip };
  return browser;
};

/** The same device after its sessions ended (each sign-in below starts so): only Stepup's mark of the browser stays. */
function sessionsEnded(browser: Browser): Browser {
  const device = browser.keeping(['stepup.browser', 'stepup.browser.sig']);
  device.headers = browser.headers;
  return device;
}

/**
 * A person enrolled in `browser` at the adaptive app: the first sign-in fires every signal, so
 * it enrols the authenticator app and passes it, which makes that browser and network usual.
 */
async function enrolledAt(browser: Browser): Promise<Enrolled> {
  return enrolThroughSignIn(stepup, browser, (await adaptiveApp.authorize()).url);
}

/**
 * The password at the adaptive app, on the device of `from` with no session: the browser lands
 * on the callback or the second-factor page.
 */
async function passwordAtAdaptiveApp(from: Browser, person: Enrolled, params: Record<string, string> = {}) {
  const browser = sessionsEnded(from);
  const authorization = await adaptiveApp.authorize(params);
  await browser.open(authorization.url);
  await browser.submit('/login', { email: person.email, password: person.password });
  return { browser, authorization };
}

async function idTokenAt(browser: Browser, authorization: Awaited<ReturnType<RelyingParty['authorize']>>) {
  const tokens = await authorization.exchange(browser.callbackUrl);
  return decodeJwt(tokens.id_token!) as { acr: string; amr: string[] };
}

/** The signals of the person's last risk decision in the audit log. */
async function lastRiskDecision(person: Enrolled) {
  const [event] = await stepup.container.store.audit.query({ email: person.email, type: 'risk', limit: 1 });
  return event?.detail;
}

const onCallback = (browser: Browser) => expect(browser.page.url).toContain(adaptiveApp.redirectUri);
const onSecondFactor = (browser: Browser) => expect(browser.page.url).toMatch(/\/second-factor$/);

async function passSecondFactor(browser: Browser, person: Enrolled) {
  await browser.submit('/second-factor', { code: await totpCode(stepup, person.secret) });
  nextTimeStep(stepup);
}

describe('adaptive step-up', () => {
  test('the usual browser and network sign in on the password alone: acr 1fa, amr pwd rba', async () => {
    const device = browserAt(lisbon);
    const person = await enrolledAt(device);
    const { browser, authorization } = await passwordAtAdaptiveApp(device, person);
    onCallback(browser);
    const claims = await idTokenAt(browser, authorization);
    expect(claims.acr).toBe('urn:stepup:loa:1fa');
    expect(claims.amr).toEqual(['pwd', 'rba']);
    expect(await lastRiskDecision(person)).toBe('let_through');
    // another address of the same /24 is the same network
    device.headers = { 'x-forwarded-for': '203.0.113.99' };
    onCallback((await passwordAtAdaptiveApp(device, person)).browser);
  });

  test('a new browser asks for the second factor, which then reaches 2fa; the owner hears why', async () => {
    const person = await enrolledAt(browserAt(lisbon));
    const { browser, authorization } = await passwordAtAdaptiveApp(browserAt(lisbon), person);
    onSecondFactor(browser);
    expect(await lastRiskDecision(person)).toBe('asked new_browser');
    await passSecondFactor(browser, person);
    const claims = await idTokenAt(browser, authorization);
    expect(claims.acr).toBe('urn:stepup:loa:2fa');
    expect(claims.amr).toEqual(expect.arrayContaining(['pwd', 'otp', 'mfa']));
    expect(claims.amr).not.toContain('rba');
    const alert = await waitForMessage(stepup, person.email, 'An unusual sign-in');
    expect(alert.text).toContain('a new browser');
    // proved there with a second factor: the browser is usual now
    onCallback((await passwordAtAdaptiveApp(browser, person)).browser);
  });

  test('a new network asks, even in the usual browser; the factor makes it usual', async () => {
    const device = browserAt(lisbon);
    const person = await enrolledAt(device);
    device.headers = { 'x-forwarded-for': lisbonOffice };
    const { browser } = await passwordAtAdaptiveApp(device, person);
    onSecondFactor(browser);
    expect(await lastRiskDecision(person)).toBe('asked new_network');
    await passSecondFactor(browser, person);
    onCallback((await passwordAtAdaptiveApp(device, person)).browser);
  });

  test('a burst of wrong passwords makes the next right one ask', async () => {
    const device = browserAt(lisbon);
    const person = await enrolledAt(device);
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const guessing = sessionsEnded(device);
      await guessing.open((await adaptiveApp.authorize()).url);
      await guessing.submit('/login', { email: person.email, password: 'not the password at all' });
      expect(guessing.page.status).toBe(401);
    }
    const { browser } = await passwordAtAdaptiveApp(device, person);
    onSecondFactor(browser);
    expect(await lastRiskDecision(person)).toBe('asked recent_failures');
    // the second factor passed forgives them
    await passSecondFactor(browser, person);
    onCallback((await passwordAtAdaptiveApp(device, person)).browser);
  });

  test('another country asks and says which; impossible travel asks; a day later the same trip does not', async () => {
    const device = browserAt(lisbon);
    const person = await enrolledAt(device);
    device.headers = { 'x-forwarded-for': tokyo };
    const inTokyo = (await passwordAtAdaptiveApp(device, person)).browser;
    onSecondFactor(inTokyo);
    expect(await lastRiskDecision(person)).toBe('asked new_network new_country impossible_travel');
    await passSecondFactor(inTokyo, person);
    const alert = await waitForMessage(stepup, person.email, 'An unusual sign-in');
    expect(alert.text).toContain('a new country: Japan');
    // Lisbon is usual, but the last sign-in was in Tokyo a moment ago
    device.headers = { 'x-forwarded-for': lisbon };
    onSecondFactor((await passwordAtAdaptiveApp(device, person)).browser);
    expect(await lastRiskDecision(person)).toBe('asked impossible_travel');
    stepup.clock.advance(24 * 60 * 60 * 1000);
    onCallback((await passwordAtAdaptiveApp(device, person)).browser);
  });

  test("an admin's networks: always ask asks in the usual browser, never ask lets a new browser through", async () => {
    const device = browserAt(home);
    const person = await enrolledAt(device);
    device.headers = { 'x-forwarded-for': alwaysAsk };
    onSecondFactor((await passwordAtAdaptiveApp(device, person)).browser);
    expect(await lastRiskDecision(person)).toBe('asked listed_network');
    const { browser, authorization } = await passwordAtAdaptiveApp(browserAt(neverAsk), person);
    onCallback(browser);
    expect((await idTokenAt(browser, authorization)).amr).toEqual(['pwd', 'rba']);
  });

  test('a password-only sign-in elsewhere never makes a browser usual, nor its session enough', async () => {
    const person = await enrolledAt(browserAt(lisbon));
    const thief = browserAt(lisbon);
    // the thief signs in with the password alone at an application that asks for no more
    await thief.open((await onRequestApp.authorize()).url);
    await thief.submit('/login', { email: person.email, password: person.password });
    expect(thief.page.url).toContain(onRequestApp.redirectUri);
    // that session (1fa, never risk-checked) is asked for the second factor at the adaptive app
    await thief.open((await adaptiveApp.authorize()).url);
    onSecondFactor(thief);
    onSecondFactor((await passwordAtAdaptiveApp(thief, person)).browser);
    expect(await lastRiskDecision(person)).toBe('asked new_browser');
  });

  test('an application that needs 2fa still asks for it from the usual browser, and gets it', async () => {
    const device = browserAt(lisbon);
    const person = await enrolledAt(device);
    const { browser, authorization } = await passwordAtAdaptiveApp(device, person, { acr_values: 'urn:stepup:loa:2fa' });
    onSecondFactor(browser);
    await passSecondFactor(browser, person);
    expect((await idTokenAt(browser, authorization)).acr).toBe('urn:stepup:loa:2fa');
  });

  test("the console's dashboard counts the decisions by signal, and the person's page lists each one", async () => {
    const device = browserAt(lisbon);
    const person = await enrolledAt(device);
    onCallback((await passwordAtAdaptiveApp(device, person)).browser);
    onSecondFactor((await passwordAtAdaptiveApp(browserAt(lisbon), person)).browser);
    const { browser: console } = await adminInConsole(stepup, browserAt(lisbon));
    await console.open('/admin?range=24h');
    const cell = (attribute: string) => new RegExp(`<tr ${attribute}><td>[^<]*</td><td>(\\d+)</td>`).exec(console.page.html)?.[1];
    expect(Number(cell('data-decision="let_through"'))).toBeGreaterThanOrEqual(1);
    expect(Number(cell('data-decision="asked"'))).toBeGreaterThanOrEqual(1);
    expect(Number(cell('data-signal="new_browser"'))).toBeGreaterThanOrEqual(1);
    const { account } = await stepup.container.userAdmin.get(person.email);
    await console.open(`/admin/people/${account.id}`);
    expect(console.page.html).toContain('Second factor asked: a new browser');
    expect(console.page.html).toContain('Let through on the password (usual browser and network)');
  });
});

describeInChromium('adaptive step-up in Chromium')('adaptive step-up in Chromium', () => {
  let chromium: Chromium;
  beforeAll(async () => {
    chromium = await launchChromium();
  });
  afterAll(() => chromium?.close());

  /** The password at the adaptive app in `context`; answers the authorization and whether the code was asked. */
  async function signInAt(context: BrowserContext, person: Enrolled) {
    const page = await context.newPage();
    const authorization = await adaptiveApp.authorize();
    await page.goto(authorization.url);
    await page.fill('input[name=email]', person.email);
    await page.fill('input[name=password]', person.password);
    const back = page.waitForRequest((request) => request.url().startsWith(adaptiveApp.redirectUri));
    await page.click('button[type=submit]');
    const asked = await Promise.race([back.then(() => false), page.waitForURL(/\/second-factor$/).then(() => true)]);
    if (asked) {
      await page.fill('input[name=code]', await totpCode(stepup, person.secret));
      await page.click('form[action$="/second-factor"] button[type=submit]');
    }
    const callback = new URL((await back).url());
    nextTimeStep(stepup);
    await page.close();
    return { asked, claims: decodeJwt((await authorization.exchange(callback)).id_token!) as { amr: string[] } };
  }

  /** Ends the context's sessions and keeps Stepup's mark of the browser, as a person signing out would. */
  async function endSessions(context: BrowserContext) {
    const mark = (await context.cookies()).filter((cookie) => cookie.name.startsWith('stepup.browser'));
    await context.clearCookies();
    await context.addCookies(mark);
  }

  test('a new browser and a new network each ask for the code; the same ones next time do not', async () => {
    const person = await enrolledAt(browserAt(lisbon));
    const context = await chromium.newContext({ extraHTTPHeaders: { 'x-forwarded-for': lisbon } });
    await context.route(`${adaptiveApp.redirectUri}**`, (route) => route.fulfill({ status: 200, body: 'back at the application' }));
    const first = await signInAt(context, person);
    expect(first.asked).toBe(true);
    expect(await lastRiskDecision(person)).toBe('asked new_browser');
    await endSessions(context);
    const again = await signInAt(context, person);
    expect(again).toEqual({ asked: false, claims: expect.objectContaining({ amr: ['pwd', 'rba'] }) });
    await endSessions(context);
    await context.setExtraHTTPHeaders({ 'x-forwarded-for': tokyo });
    expect((await signInAt(context, person)).asked).toBe(true);
    expect(await lastRiskDecision(person)).toContain('asked new_network');
    await context.close();
  });

  test('a remembered browser shows where it was last used', async () => {
    const person = await enrolledAt(browserAt(lisbon));
    const remembering = await relyingParty(stepup, { firstParty: true, rememberBrowserDays: 7 });
    const context = await chromium.newContext({ extraHTTPHeaders: { 'x-forwarded-for': lisbon } });
    await context.route(`${remembering.redirectUri}**`, (route) => route.fulfill({ status: 200, body: 'back at the application' }));
    const page = await context.newPage();
    await page.goto((await remembering.authorize()).url);
    await page.fill('input[name=email]', person.email);
    await page.fill('input[name=password]', person.password);
    await page.click('button[type=submit]');
    await page.getByLabel('Authenticator app').fill(await totpCode(stepup, person.secret));
    await page.getByLabel('Remember this browser for 7 days').check();
    const back = page.waitForRequest((request) => request.url().startsWith(remembering.redirectUri));
    await page.getByRole('button', { name: 'Continue' }).click();
    await back;
    nextTimeStep(stepup);
    const { browsers } = await stepup.container.userAdmin.rememberedBrowsers(person.email);
    expect(browsers.map((browser) => browser.place)).toEqual(['Portugal']);
    await context.close();
  });
});
