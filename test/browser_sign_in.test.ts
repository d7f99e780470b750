import { generate } from 'otplib';
import type { Browser as Chromium, Page } from 'playwright-core';
import { describeInChromium, launchChromium } from './support/chromium.ts';
import { latestCode } from './support/outbox.ts';
import { createPerson, PASSWORD } from './support/people.ts';
import { type RelyingParty, relyingParty } from './support/relying_party.ts';
import { type RunningStepup, startStepup } from './support/stepup.ts';

const maybe = describeInChromium('browser tests');

let stepup: RunningStepup;
let rp: RelyingParty;
let chromiumBrowser: Chromium;

maybe('in Chromium', () => {
  beforeAll(async () => {
    stepup = await startStepup();
    rp = await relyingParty(stepup, { firstParty: true });
    chromiumBrowser = await launchChromium();
  });
  afterAll(async () => {
    await chromiumBrowser?.close();
    await stepup?.stop();
  });

  /** Follows the sign-in until Chromium is sent to the relying party's callback. */
  async function waitForCallback(page: Page, action: () => Promise<unknown>): Promise<URL> {
    const callback = page.waitForRequest((request) => request.url().startsWith(rp.redirectUri));
    await action();
    return new URL((await callback).url());
  }

  test('a person enrols an authenticator app, signs in, and signs in again with it', async () => {
    const person = await createPerson(stepup);
    const context = await chromiumBrowser.newContext();
    const page = await context.newPage();
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    // the relying party's callback is not served; stop the navigation there
    await page.route(`${rp.redirectUri}**`, (route) => route.fulfill({ status: 200, body: 'signed in' }));

    const first = await rp.authorize();
    const loginPage = await page.goto(first.url);
    expect(loginPage!.headers()['content-security-policy']).toContain("default-src 'none'");
    expect(loginPage!.headers()['cache-control']).toBe('no-store');
    await page.getByLabel('Email').fill(person.email);
    await page.getByLabel('Password').fill(person.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();

    await page.getByRole('link', { name: 'Authenticator app' }).click();
    await page.getByRole('heading', { name: 'Set up your authenticator app' }).waitFor();
    await expect(page.getByRole('img', { name: 'QR code for your authenticator app' }).isVisible()).resolves.toBe(true);
    const otpauth = await page.getByRole('link', { name: 'Open in your authenticator app' }).getAttribute('href');
    const secret = (await page.locator('#totp-secret').textContent())!.trim();
    expect(otpauth).toContain(`secret=${secret}`);
    await page.getByLabel('Code shown in the app').fill(await generate({ secret, epoch: Math.floor(stepup.clock.now() / 1000) }));
    await page.getByRole('button', { name: 'Confirm' }).click();

    await page.getByRole('heading', { name: 'Save your recovery codes' }).waitFor();
    await expect(page.locator('#recovery-codes li').count()).resolves.toBe(10);
    const firstCallback = await waitForCallback(page, () => page.getByRole('link', { name: /I have saved my codes/ }).click());
    expect((await first.exchange(firstCallback)).claims()!.amr).toEqual(['pwd', 'otp', 'mfa']);

    // a new browser: password, then a fresh code from the app
    stepup.clock.advance(30_000);
    const fresh = await chromiumBrowser.newContext();
    const again = await fresh.newPage();
    await again.route(`${rp.redirectUri}**`, (route) => route.fulfill({ status: 200, body: 'signed in' }));
    const second = await rp.authorize();
    await again.goto(second.url);
    await again.getByLabel('Email').fill(person.email);
    await again.getByLabel('Password').fill(person.password);
    await again.getByRole('button', { name: 'Sign in', exact: true }).click();
    await again.getByRole('heading', { name: 'Confirm it is you' }).waitFor();
    await again.getByLabel('Authenticator app').fill(await generate({ secret, epoch: Math.floor(stepup.clock.now() / 1000) }));
    const secondCallback = await waitForCallback(again, () => again.getByRole('button', { name: 'Continue' }).click());
    const tokens = await second.exchange(secondCallback);
    expect(tokens.claims()!.acr).toBe('urn:stepup:loa:2fa');
    // the pages, stylesheet and QR code all load under their own Content-Security-Policy
    expect(violations).toEqual([]);
    await context.close();
    await fresh.close();
  });

  test("response_mode=form_post: the provider's auto-submitting page runs under our CSP", async () => {
    await stepup.container.userAdmin.add({ email: 'form-post@example.com', password: PASSWORD, emailCode: true });
    const context = await chromiumBrowser.newContext();
    const page = await context.newPage();
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    const posted = new Promise<string>((resolve) => {
      void page.route(`${rp.redirectUri}**`, (route) => {
        resolve(`${route.request().method()} ${route.request().postData() ?? ''}`);
        return route.fulfill({ status: 200, body: 'signed in' });
      });
    });
    const authorization = await rp.authorize({ response_mode: 'form_post' });
    await page.goto(authorization.url);
    await page.getByLabel('Email').fill('form-post@example.com');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('button', { name: 'Send code' }).click();
    await page.getByText(/We sent a code by email/).waitFor();
    await page.getByLabel('Email code').fill(latestCode(stepup, 'form-post@example.com'));
    await page.getByRole('button', { name: 'Continue' }).click();

    const [method, body] = (await posted).split(' ');
    expect(method).toBe('POST');
    const fields = new URLSearchParams(body);
    expect(fields.get('code')).toBeTruthy();
    expect(fields.get('iss')).toBe(stepup.issuer);
    expect(violations).toEqual([]);
    await context.close();
  });

  test('a person signs in with a code sent by email, read from the development outbox', async () => {
    await stepup.container.userAdmin.add({ email: 'mail-code@example.com', password: PASSWORD, emailCode: true });
    const context = await chromiumBrowser.newContext();
    const page = await context.newPage();
    await page.route(`${rp.redirectUri}**`, (route) => route.fulfill({ status: 200, body: 'signed in' }));
    const authorization = await rp.authorize();
    await page.goto(authorization.url);
    await page.getByLabel('Email').fill('mail-code@example.com');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();

    await page.getByRole('heading', { name: 'Confirm it is you' }).waitFor();
    await page.getByRole('button', { name: 'Send code' }).click();
    await page.getByText(/We sent a code by email to m\*+@example\.com/).waitFor();
    await page.getByLabel('Email code').fill(latestCode(stepup, 'mail-code@example.com'));
    const callback = await waitForCallback(page, () => page.getByRole('button', { name: 'Continue' }).click());
    expect((await authorization.exchange(callback)).claims()!.amr).toEqual(['pwd', 'otp', 'mfa']);
    await context.close();
  });
});
