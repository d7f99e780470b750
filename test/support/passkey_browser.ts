import type { BrowserContext, BrowserContextOptions, Browser as Chromium, Page } from 'playwright-core';
import { latestCode } from './outbox.ts';
import { createPerson, nextTimeStep, PASSWORD, totpCode } from './people.ts';
import type { RelyingParty } from './relying_party.ts';
import type { RunningStepup } from './stepup.ts';

/** What Chromium's virtual authenticator can do; by default a platform authenticator with resident keys that verifies the user. */
export interface AuthenticatorOptions {
  hasUserVerification?: boolean;
  isUserVerified?: boolean;
  /**
   * Whether the login page's autofill offers passkeys (conditional UI). Chromium's virtual
   * authenticator answers such a request at once, as if the person picked their passkey, so
   * by default the page is told the browser has no conditional UI and keeps its forms.
   */
  autofill?: boolean;
  /** Options of the browser context: its colour scheme, say. */
  contextOptions?: BrowserContextOptions;
}

/** A browser with Chromium's virtual authenticator (CTAP2, internal transport, resident keys). */
export async function browserWithAuthenticator(
  chromium: Chromium,
  { autofill = false, contextOptions = {}, ...options }: AuthenticatorOptions = {},
): Promise<{ context: BrowserContext; page: Page; authenticatorId: string }> {
  const context = await chromium.newContext(contextOptions);
  if (!autofill)
    await context.addInitScript(() =>
      Object.assign((globalThis as unknown as { PublicKeyCredential: object }).PublicKeyCredential, { isConditionalMediationAvailable: async () => false }),
    );
  const page = await context.newPage();
  // a step that does not come fails the test where it waits, within the test's time
  page.setDefaultTimeout(8000);
  // the relying party's callback is not served; stop the navigation there
  await page.route('http://127.0.0.1:2/**', (route) => route.fulfill({ status: 200, body: 'signed in' }));
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, ...options },
  });
  return { context, page, authenticatorId };
}

/** Runs `action` and answers the relying party's callback URL that Chromium is sent to. */
export async function callbackAfter(page: Page, action: () => Promise<unknown>): Promise<URL> {
  const callback = page.waitForRequest((request) => request.url().startsWith('http://127.0.0.1:2/callback'));
  await action().catch(() => undefined);
  const url = new URL((await callback).url());
  // that navigation ends (at the callback, or at Chromium's error page) before the next one starts
  const ended = (arrived: URL) => arrived.href.startsWith('http://127.0.0.1:2/callback') || arrived.protocol === 'chrome-error:';
  await page.waitForURL(ended, { waitUntil: 'load' }).catch(() => page.waitForURL(ended, { waitUntil: 'load' }).catch(() => undefined));
  return url;
}

export async function typePassword(page: Page, person: { email: string; password: string }) {
  await page.getByLabel('Email').fill(person.email);
  await page.getByLabel('Password').fill(person.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

/** First sign-in of a new person at `app`: password, then a passkey from the enrolment choice, then that passkey used. */
export async function enrolPasskey(stepup: RunningStepup, page: Page, app: RelyingParty) {
  const person = await createPerson(stepup);
  const authorization = await app.authorize();
  await page.goto(authorization.url);
  await typePassword(page, person);
  await page.getByRole('link', { name: 'Passkey' }).click();
  await page.getByLabel('Name of this passkey').fill('Test laptop');
  await page.getByRole('button', { name: 'Create a passkey' }).click();
  await page.getByRole('heading', { name: 'Save your recovery codes' }).waitFor();
  await page.getByRole('link', { name: /I have saved my codes/ }).click();
  // a passkey proves a level when it is used, never when it is registered: the sign-in asks for it once
  const callback = await callbackAfter(page, () => page.getByRole('button', { name: 'Use your passkey' }).click());
  return { person, tokens: await authorization.exchange(callback) };
}

/** The account's audit log as `type channel result detail` lines, newest first. */
export async function auditDetails(stepup: RunningStepup, email: string) {
  return (await stepup.container.store.audit.query({ email, limit: 50 })).map((e) => `${e.type} ${e.channel} ${e.result} ${e.detail ?? ''}`);
}

/** Password, then a code by email, on the sign-in page the browser is at. */
export async function signInWithEmailCode(stepup: RunningStepup, page: Page, email: string) {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('button', { name: 'Send code' }).click();
  await page.getByLabel('Email code').fill(latestCode(stepup, email));
  await page.getByRole('button', { name: 'Continue' }).click();
}

/**
 * A new admin who signs in to the console in `page`, enrolling an authenticator app, then adds
 * a passkey in the account area (from that 2fa session: the passkey is held). Answers the app's secret.
 */
export async function adminWithAppThenPasskey(stepup: RunningStepup, page: Page) {
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
  return { admin, secret };
}
