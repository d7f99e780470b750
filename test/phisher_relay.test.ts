import type { Browser as Chromium, Page } from 'playwright-core';
import { describeInChromium, launchChromium } from './support/chromium.ts';
import { browserWithAuthenticator, typePassword } from './support/passkey_browser.ts';
import { createPerson, nextTimeStep, totpCode } from './support/people.ts';
import { startStepup, type RunningStepup } from './support/stepup.ts';

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
  const admin = await createPerson(stepup);
  await stepup.container.userAdmin.update(admin.email, { roles: ['admin'] });
  await page.goto(`${stepup.issuer}/admin`);
  await typePassword(page, admin);
  await page.getByRole('link', { name: 'Authenticator app' }).click();
  const secret = (await page.locator('#totp-secret').textContent())!.trim();
  await page.getByLabel('Code shown in the app').fill(await totpCode(stepup, secret));
  await page.getByRole('button', { name: 'Confirm' }).click();
  await page.getByRole('link', { name: /I have saved my codes/ }).click();
  await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
  nextTimeStep(stepup);
  await page.goto(`${stepup.issuer}/account/enrol/passkey`);
  await page.getByLabel('Name of this passkey').fill('Admin laptop');
  await page.getByRole('button', { name: 'Create a passkey' }).click();
  await page.getByText('Your new second factor is ready.').waitFor();
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

  test('cannot add or remove a passkey through the account area, so the console stays shut', async () => {
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
});
