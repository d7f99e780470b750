import type { Browser as Chromium } from 'playwright-core';
import { describeInChromium, launchChromium } from './support/chromium.ts';
import { latestCode } from './support/outbox.ts';
import { signInWithEmailCode } from './support/passkey_browser.ts';
import { PASSWORD } from './support/people.ts';
import { type RelyingParty, relyingParty } from './support/relying_party.ts';
import { type RunningStepup, startStepup } from './support/stepup.ts';

const maybe = describeInChromium('browser account tests');

let stepup: RunningStepup;
let rp: RelyingParty;
let chromiumBrowser: Chromium;

maybe('the account area in Chromium', () => {
  beforeAll(async () => {
    stepup = await startStepup();
    rp = await relyingParty(stepup, { firstParty: true, name: 'Wallet' });
    chromiumBrowser = await launchChromium();
  });
  afterAll(async () => {
    await chromiumBrowser?.close();
    await stepup?.stop();
  });

  test('a person adds a phone, makes new recovery codes, and signs in elsewhere with one of them', async () => {
    const email = 'self-service@example.com';
    await stepup.container.userAdmin.add({ email, password: PASSWORD, emailCode: true });
    const context = await chromiumBrowser.newContext();
    const page = await context.newPage();
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });

    // signing in to the account area: password, then a code by email
    await page.goto(`${stepup.issuer}/account`);
    await signInWithEmailCode(stepup, page, email);
    await page.getByRole('heading', { name: 'Your account' }).waitFor();

    // a phone, proven by the code sent to it (after the send cooldown of the email code)
    stepup.clock.advance(31_000);
    await page.getByRole('link', { name: 'Add a phone for SMS codes' }).click();
    await page.getByLabel(/Phone number/).fill('+15557770000');
    await page.getByRole('button', { name: 'Send code' }).click();
    await page.getByLabel('Code you received').fill(latestCode(stepup, '+15557770000'));
    await page.getByRole('button', { name: 'Confirm' }).click();
    // the admin registered the email without recovery codes: the first factor added brings them
    await page.getByRole('heading', { name: 'Save your recovery codes' }).waitFor();
    const firstCodes = (await page.locator('#recovery-codes li').allTextContents()).map((c) => c.trim());
    await page.getByRole('link', { name: /I have saved my codes/ }).click();
    await page.getByText('Your new second factor is ready.').waitFor();
    await expect(page.locator('#factors').textContent()).resolves.toContain('+15557770000');

    // new recovery codes, shown once
    await page.getByRole('button', { name: 'Create new recovery codes' }).click();
    await page.getByRole('heading', { name: 'Save your recovery codes' }).waitFor();
    const codes = (await page.locator('#recovery-codes li').allTextContents()).map((c) => c.trim());
    expect(codes).toHaveLength(10);
    expect(codes.filter((c) => firstCodes.includes(c))).toEqual([]);
    await page.getByRole('link', { name: /I have saved my codes/ }).click();
    await expect(page.locator('#recovery-codes-left').textContent()).resolves.toBe('You have 10 recovery codes left.');

    // another browser signs in to an application with one of the new codes
    const other = await chromiumBrowser.newContext();
    const elsewhere = await other.newPage();
    await elsewhere.route(`${rp.redirectUri}**`, (route) => route.fulfill({ status: 200, body: 'signed in' }));
    const authorization = await rp.authorize();
    await elsewhere.goto(authorization.url);
    await elsewhere.getByLabel('Email').fill(email);
    await elsewhere.getByLabel('Password').fill(PASSWORD);
    await elsewhere.getByRole('button', { name: 'Sign in', exact: true }).click();
    await elsewhere.getByRole('link', { name: 'Recovery code' }).click();
    await elsewhere.getByLabel('Recovery code').fill(codes[3]!);
    const callback = elsewhere.waitForRequest((request) => request.url().startsWith(rp.redirectUri));
    await elsewhere.getByRole('button', { name: 'Continue' }).click();
    const tokens = await authorization.exchange(new URL((await callback).url()));
    expect(tokens.claims()!.amr).toEqual(['pwd', 'otp', 'mfa']);

    await page.reload();
    await expect(page.locator('#recovery-codes-left').textContent()).resolves.toBe('You have 9 recovery codes left.');
    expect(violations).toEqual([]);
    await context.close();
    await other.close();
  });
});
