import type { BrowserContext, Browser as Chromium, Page } from 'playwright-core';
import { describeInChromium, launchChromium } from './support/chromium.ts';
import { auditDetails, browserWithAuthenticator, callbackAfter, enrolPasskey } from './support/passkey_browser.ts';
import { type RelyingParty, relyingParty } from './support/relying_party.ts';
import { type RunningStepup, startStepup } from './support/stepup.ts';

/**
 * Lockout counts per proof, through the login page in Chromium: wrong passwords lock the
 * password path, failed passwordless passkey assertions the passkey path; a passkey that did
 * not verify the user never resets the count of wrong passwords.
 */
const maybe = describeInChromium('lockout per proof (passkeys)');

let stepup: RunningStepup;
let rp: RelyingParty;
/** a client that takes one factor unless it asks for more: a passkey without user verification signs in alone */
let oneFactorApp: RelyingParty;
let chromium: Chromium;

const ACR_1FA = 'urn:stepup:loa:1fa';
const ACR_2FA = 'urn:stepup:loa:2fa';

/** A person with a passkey on a fresh authenticator, and that browser with no session left. */
async function personWithPasskey() {
  const browser = await browserWithAuthenticator(chromium);
  const { person } = await enrolPasskey(stepup, browser.page, rp);
  await browser.context.clearCookies();
  return { ...browser, person };
}

const passkeyButton = (page: Page) => page.getByRole('button', { name: 'Sign in with a passkey' });

async function toLoginPage(page: Page, app: RelyingParty) {
  const authorization = await app.authorize();
  await page.goto(authorization.url);
  await passkeyButton(page).waitFor();
  return authorization;
}

/** A password typed on a new sign-in's login page: the status of the answer (401 wrong, 423 locked, 303 accepted). */
async function tryPassword(page: Page, email: string, password: string): Promise<number> {
  await page.context().clearCookies();
  await toLoginPage(page, rp);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  const answer = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname.endsWith('/login'));
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  const status = (await answer).status();
  await page.waitForLoadState('load');
  return status;
}

/** A passwordless sign-in at `app` from a new session: the ID token's claims. */
async function passkeySignIn(page: Page, app: RelyingParty) {
  await page.context().clearCookies();
  const authorization = await toLoginPage(page, app);
  const callback = await callbackAfter(page, () => passkeyButton(page).click());
  return (await authorization.exchange(callback)).claims()!;
}

/** A passwordless sign-in whose answer is the page shown: the lock page, say. */
async function passkeyRefusedWith(page: Page, app: RelyingParty, text: RegExp) {
  await page.context().clearCookies();
  await toLoginPage(page, app);
  await passkeyButton(page).click();
  await page.getByText(text).first().waitFor();
}

/** Five bad signatures from the authenticator: the fifth locks the passkey path; the authenticator then signs right again. */
async function lockPasskeyPath(context: BrowserContext, page: Page, authenticatorId: string) {
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.setResponseOverrideBits', { authenticatorId, isBogusSignature: true });
  for (let i = 0; i < 4; i += 1) await passkeyRefusedWith(page, rp, /That passkey could not be used/);
  await passkeyRefusedWith(page, rp, /locked/i);
  await cdp.send('WebAuthn.setResponseOverrideBits', { authenticatorId, isBogusSignature: false });
}

maybe('lockout counts per proof: password and passkey failures lock their own path', () => {
  beforeAll(async () => {
    // rate limits high enough that only the lockout speaks here
    stepup = await startStepup(
      {},
      {
        rateLimits: {
          login: { perIp: 10_000, perAccount: 10_000, windowSeconds: 300 },
          codeCheck: { perIp: 10_000, perAccount: 10_000, windowSeconds: 300 },
          codeSend: { perIp: 10_000, perAccount: 10_000, windowSeconds: 900 },
        },
      },
      { hostname: 'localhost' },
    );
    rp = await relyingParty(stepup, { firstParty: true });
    oneFactorApp = await relyingParty(stepup, { firstParty: true, mfaPolicy: 'on-request' });
    chromium = await launchChromium();
  });
  afterAll(async () => {
    await chromium?.close();
    await stepup?.stop();
  });

  test('a passkey without user verification never resets the wrong-password count: twelve wrong passwords between touches of the key, locked at the fifth', async () => {
    const { context, page, person, authenticatorId } = await personWithPasskey();
    // from now on the authenticator answers with the user-verified flag off, as a security key
    // without a PIN: presence only (Chromium's virtual authenticator without user verification
    // keeps no discoverable credential, so the flag is turned off after the passkey is made)
    await (await context.newCDPSession(page)).send('WebAuthn.setResponseOverrideBits', { authenticatorId, isBadUV: true });
    const statuses: number[] = [];
    for (let round = 0; round < 3; round += 1) {
      for (let i = 0; i < 4; i += 1) statuses.push(await tryPassword(page, person.email, `wrong ${round}.${i}`));
      // one touch of the key: a sign-in of one factor, which the thief has anyway
      expect(await passkeySignIn(page, oneFactorApp)).toMatchObject({ acr: ACR_1FA, amr: ['hwk'] });
    }
    // the fifth wrong password overall takes the lock; every later one, and the right one, is refused unchecked
    expect(statuses).toEqual([401, 401, 401, 401, 423, 423, 423, 423, 423, 423, 423, 423]);
    expect(await tryPassword(page, person.email, person.password)).toBe(423);
    const audit = await auditDetails(stepup, person.email);
    expect(audit.filter((line) => line === 'login_ok passkey ok hwk')).toHaveLength(3);
    expect(audit).toContain('lockout password ok password failures');
    await context.close();
  });

  test("wrong passwords for an email do not lock its owner's passkey: five of them, then a passkey that verified the user signs in", async () => {
    const { context, page, person } = await personWithPasskey();
    const statuses: number[] = [];
    for (let i = 1; i <= 5; i += 1) statuses.push(await tryPassword(page, person.email, `wrong ${i}`));
    expect(statuses).toEqual([401, 401, 401, 401, 423]);

    expect(await passkeySignIn(page, rp)).toMatchObject({ acr: ACR_2FA, amr: ['hwk', 'user', 'mfa'] });
    expect(await auditDetails(stepup, person.email)).toContain('login_ok passkey ok hwk user');
    // the passkey proves itself, not the password: the password path stays locked until its lock ends
    expect(await tryPassword(page, person.email, person.password)).toBe(423);
    await context.close();
  });

  test('five failed passkey assertions lock the passkey path, not the password: the password and a second factor still sign in', async () => {
    const { context, page, person, authenticatorId } = await personWithPasskey();
    await lockPasskeyPath(context, page, authenticatorId);
    // the right passkey now too is refused, unchecked
    await passkeyRefusedWith(page, rp, /locked/i);

    // the password path is open: the password, then the passkey as the second factor (counted with the codes)
    await page.context().clearCookies();
    const authorization = await toLoginPage(page, rp);
    await page.getByLabel('Email').fill(person.email);
    await page.getByLabel('Password').fill(person.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    const callback = await callbackAfter(page, () => page.getByRole('button', { name: 'Use your passkey' }).click());
    expect((await authorization.exchange(callback)).claims()).toMatchObject({ amr: expect.arrayContaining(['pwd', 'hwk', 'mfa']) });

    const audit = await auditDetails(stepup, person.email);
    expect(audit).toContain('lockout passkey ok passkey failures');
    expect(audit).toContain('login_failed passkey failed locked');
    expect(audit.filter((line) => line === 'login_failed passkey failed assertion not valid')).toHaveLength(5);
    await context.close();
  });

  test("an admin sees the passkey path's lock and unlocks it", async () => {
    const { context, page, person, authenticatorId } = await personWithPasskey();
    await lockPasskeyPath(context, page, authenticatorId);

    const admin = stepup.container.userAdmin;
    expect((await admin.get(person.email)).lockedUntil).toEqual(expect.any(Number));
    expect(await admin.unlock(person.email)).toMatchObject({ wasLocked: true });
    expect((await admin.get(person.email)).lockedUntil).toBeNull();
    expect(await passkeySignIn(page, rp)).toMatchObject({ acr: ACR_2FA });
    await context.close();
  });
});
