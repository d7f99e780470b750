import type { Browser as Chromium, Page } from 'playwright-core';
import { describeInChromium, launchChromium } from './support/chromium.ts';
import { adminWithAppThenPasskey, browserWithAuthenticator, callbackAfter, typePassword } from './support/passkey_browser.ts';
import { nextTimeStep, totpCode } from './support/people.ts';
import { relyingParty } from './support/relying_party.ts';
import { type RunningStepup, startStepup } from './support/stepup.ts';

// The review's phisher: the password and one relayed authenticator-app code of an admin who
// also has a passkey, in a browser with an authenticator of the phisher's own. The console
// rightly asks for the passkey; the account area once let the same 2fa session add a passkey,
// which then opened the console. Changing what proves a level now needs that level.

const maybe = describeInChromium('phisher relay tests');

let stepup: RunningStepup;
let chromium: Chromium;
const HOLD_MS = 86_400_000;

/** Password, then the app's code, at the sign-in the page is on. */
async function passwordAndAppCode(page: Page, person: { email: string; password: string }, secret: string) {
  nextTimeStep(stepup);
  await typePassword(page, person);
  await page.getByRole('link', { name: 'Authenticator app' }).click();
  await page.getByLabel('Authenticator app').fill(await totpCode(stepup, secret));
  await page.getByRole('button', { name: 'Continue' }).click();
}

/** An admin with an authenticator app and a passkey past its hold, signed in in `page`'s browser. */
async function adminWithAppAndPasskey(page: Page) {
  const { admin, secret } = await adminWithAppThenPasskey(stepup, page);
  stepup.clock.advance(HOLD_MS + 60_000);
  const accountId = (await stepup.container.store.accounts.findByEmail(admin.email))!.id;
  return { admin, secret, accountId };
}

const passkeysOf = async (accountId: string) => (await stepup.container.secondFactors.confirmedFactors(accountId)).filter((f) => f.kind === 'webauthn');

maybe('a phisher with the password and one app code', () => {
  beforeAll(async () => {
    stepup = await startStepup({}, undefined, { hostname: 'localhost' });
    chromium = await launchChromium();
  });
  afterAll(async () => {
    await chromium?.close();
    await stepup?.stop();
  });

  test('cannot add or remove a passkey, nor change the password, through the account area, so the console stays shut', async () => {
    const owner = await browserWithAuthenticator(chromium);
    const { admin, secret, accountId } = await adminWithAppAndPasskey(owner.page);
    await owner.context.close();

    // the phisher's browser, with an authenticator of its own
    const { context, page } = await browserWithAuthenticator(chromium);
    await page.goto(`${stepup.issuer}/admin`);
    await passwordAndAppCode(page, admin, secret);
    // the console asks for the passkey the phisher does not have
    await page.getByRole('button', { name: 'Use your passkey' }).waitFor();
    expect(await page.getByRole('heading', { name: 'Dashboard' }).count()).toBe(0);

    // the same 2fa session opens the account area …
    await page.goto(`${stepup.issuer}/account`);
    await page.getByRole('heading', { name: 'Your account' }).waitFor();
    // … but adding a passkey asks for a passkey of the account first: no way to create one
    await page.getByRole('link', { name: 'Add a passkey' }).click();
    await page.getByRole('button', { name: 'Use your passkey' }).waitFor();
    expect(await page.getByRole('button', { name: 'Create a passkey' }).count()).toBe(0);
    expect(page.url()).toContain('/interaction/');
    // nor can it remove the owner's passkey
    await page.goto(`${stepup.issuer}/account`);
    await page.getByRole('button', { name: 'Remove Passkey Admin laptop' }).click();
    await page.getByRole('button', { name: 'Use your passkey' }).waitFor();
    expect(await passkeysOf(accountId)).toHaveLength(1);
    // nor change the password, the other half of phr
    await page.goto(`${stepup.issuer}/account/password`);
    await page.getByRole('button', { name: 'Use your passkey' }).waitFor();
    expect(await page.getByLabel('Current password').count()).toBe(0);

    // and the console is still shut
    await page.goto(`${stepup.issuer}/admin`);
    await page.getByRole('button', { name: 'Use your passkey' }).waitFor();
    expect(await page.getByRole('heading', { name: 'Dashboard' }).count()).toBe(0);
    expect(await passkeysOf(accountId)).toHaveLength(1);
    await context.close();
  });

  test("the console's dangerous actions ask an admin with a passkey for that passkey again, in the console; a code is not offered", async () => {
    const { context, page } = await browserWithAuthenticator(chromium);
    const { admin, secret } = await adminWithAppAndPasskey(page);
    await page.context().clearCookies();
    await page.goto(`${stepup.issuer}/admin`);
    await passwordAndAppCode(page, admin, secret);
    await page.getByRole('button', { name: 'Use your passkey' }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();

    stepup.clock.advance(300_000 + 1000);
    await page.goto(`${stepup.issuer}/admin/keys/rotate`);
    await page.getByRole('heading', { name: 'Confirm it is you' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/admin/confirm-it-is-you');
    expect(await page.getByLabel('Code from your authenticator app').count()).toBe(0);
    await page.getByRole('button', { name: 'Use your passkey' }).click();
    await page.getByRole('heading', { name: 'Rotate the keys' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/admin/keys/rotate');
    await page.getByRole('button', { name: 'Start the rotation' }).click();
    await page.getByText('New keys are published').waitFor();
    await context.close();
  });

  test('an account-area code issued on an old phr session cannot be paired with a fresher second factor passed meanwhile', async () => {
    const { context, page } = await browserWithAuthenticator(chromium);
    const { admin, secret } = await adminWithAppAndPasskey(page);
    // the owner's phr session, then an hour away from the browser
    await context.clearCookies();
    const phrApp = await relyingParty(stepup, { firstParty: true, mfaPolicy: 'phishing-resistant' });
    const owner = await phrApp.authorize();
    await page.goto(owner.url);
    await typePassword(page, admin);
    const ownerCallback = await callbackAfter(page, () => page.getByRole('button', { name: 'Use your passkey' }).click());
    expect((await owner.exchange(ownerCallback)).claims()!.acr).toBe('urn:stepup:loa:phr');
    stepup.clock.advance(3_600_000);

    // someone at the browser who knows one app code: the account area's code (acr phr) is held back …
    const toAuth = await context.request.get(`${stepup.issuer}/account`, { maxRedirects: 0 });
    const toCallback = await context.request.get(new URL(toAuth.headers().location!, stepup.issuer).href, { maxRedirects: 0 });
    const held = new URL(toCallback.headers().location!, stepup.issuer).href;
    expect(new URL(held).pathname).toBe('/account/callback');
    // … while a step-up elsewhere with the app code makes the session's second factor fresh (at 2fa)
    const other = await relyingParty(stepup, { firstParty: true });
    const stepUp = await other.authorize({ mfa_max_age: '1' });
    await page.goto(stepUp.url);
    await page.getByRole('link', { name: 'Authenticator app' }).click();
    nextTimeStep(stepup);
    await page.getByLabel('Authenticator app').fill(await totpCode(stepup, secret));
    const stepUpCallback = await callbackAfter(page, () => page.getByRole('button', { name: 'Continue' }).click());
    expect((await stepUp.exchange(stepUpCallback)).claims()!.acr).toBe('urn:stepup:loa:2fa');

    // the held code no longer makes an account session at phr: passkey changes still ask for the passkey
    await page.goto(held);
    await page.goto(`${stepup.issuer}/account/enrol/passkey`);
    await page.getByRole('button', { name: 'Use your passkey' }).waitFor();
    expect(await page.getByRole('button', { name: 'Create a passkey' }).count()).toBe(0);
    await context.close();
  });
});
