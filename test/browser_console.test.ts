import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import * as oidc from 'openid-client';
import type { Browser as Chromium, Page } from 'playwright-core';
import { projectRoot } from '../src/paths.ts';
import { Browser } from './support/browser.ts';
import { describeInChromium, launchChromium } from './support/chromium.ts';
import { adminWithAppThenPasskey, browserWithAuthenticator, signInWithEmailCode as signInWithEmailCodeIn, typePassword } from './support/passkey_browser.ts';
import { nextTimeStep, PASSWORD, totpCode } from './support/people.ts';
import { relyingParty } from './support/relying_party.ts';
import { type RunningStepup, startStepup } from './support/stepup.ts';

const maybe = describeInChromium('browser console tests');
/** Screenshots for a person to look at (git-ignored). */
const screenshots = join(projectRoot, 'test-output');

let stepup: RunningStepup;
let chromiumBrowser: Chromium;

const signInWithEmailCode = (page: Page, email: string) => signInWithEmailCodeIn(stepup, page, email);

/** The number of accepted sign-ins the dashboard's chart states in its text. */
async function acceptedOnDashboard(page: Page) {
  await page.goto(`${stepup.issuer}/admin?range=24h`);
  const legend = await page.locator('#sign-ins svg').textContent();
  return Number(/accepted \((\d+)\)/.exec(legend ?? '')?.[1]);
}

maybe('the admin console in Chromium', () => {
  beforeAll(async () => {
    // WebAuthn needs a domain for its RP ID
    stepup = await startStepup({}, undefined, { hostname: 'localhost' });
    chromiumBrowser = await launchChromium();
    mkdirSync(screenshots, { recursive: true });
  });
  afterAll(async () => {
    await chromiumBrowser?.close();
    await stepup?.stop();
  });

  test('an admin registers a client, sees a person sign in through it, and unlocks them after a lockout', async () => {
    const adminEmail = 'admin@example.com';
    const personEmail = 'customer@example.com';
    await stepup.container.userAdmin.add({ email: adminEmail, password: PASSWORD, emailCode: true });
    await stepup.container.userAdmin.update(adminEmail, { roles: ['admin'] });
    await stepup.container.userAdmin.add({ email: personEmail, password: PASSWORD, emailCode: true });
    const context = await chromiumBrowser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });

    // signing in to the console: password, then the second factor
    await page.goto(`${stepup.issuer}/admin`);
    await signInWithEmailCode(page, adminEmail);
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();

    // a client application, registered from the form; its secret is shown once
    await page.getByRole('link', { name: 'Clients' }).click();
    await page.getByRole('link', { name: 'Register a client application' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Shop');
    await page.getByLabel('Redirect URIs', { exact: true }).fill('http://127.0.0.1:2/callback');
    await page.getByLabel(/First-party/).check();
    await page.getByRole('button', { name: 'Register' }).click();
    await page.getByRole('heading', { name: /Client secret/ }).waitFor();
    const clientId = (await page.locator('#client-id').textContent())!.trim();
    const secret = (await page.locator('#client-secret').textContent())!.trim();
    await page.getByRole('button', { name: 'Copy the secret' }).waitFor();
    await page.screenshot({ path: join(screenshots, 'console-client.png'), fullPage: true });
    // shown once: the client's page does not show it again
    await page.goto(`${stepup.issuer}/admin/clients/${clientId}`);
    expect(await page.content()).not.toContain(secret);

    // a person signs in to that application, which talks to Stepup with openid-client
    const before = await acceptedOnDashboard(page);
    const config = await oidc.discovery(new URL(stepup.issuer), clientId, undefined, oidc.ClientSecretBasic(secret), { execute: [oidc.allowInsecureRequests] });
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const authorization = oidc.buildAuthorizationUrl(config, {
      redirect_uri: 'http://127.0.0.1:2/callback',
      scope: 'openid email',
      state,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    const personContext = await chromiumBrowser.newContext();
    const personPage = await personContext.newPage();
    await personPage.route('http://127.0.0.1:2/callback**', (route) => route.fulfill({ status: 200, body: 'signed in' }));
    await personPage.goto(authorization.href);
    const callback = personPage.waitForRequest((request) => request.url().startsWith('http://127.0.0.1:2/callback'));
    await signInWithEmailCode(personPage, personEmail);
    const tokens = await oidc.authorizationCodeGrant(config, new URL((await callback).url()), { pkceCodeVerifier: verifier, expectedState: state });
    expect(tokens.claims()!.sub).toBe((await stepup.container.store.accounts.findByEmail(personEmail))!.id);
    await personContext.close();

    // the dashboard counts it, and the person's page lists it under the application's name
    expect(await acceptedOnDashboard(page)).toBe(before + 1);
    await page.getByRole('link', { name: 'People' }).click();
    await page.getByLabel('Search by email or phone').fill('customer@');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name: personEmail }).click();
    const activity = page.locator('#person-activity');
    await expect(activity.textContent()).resolves.toMatch(/Second factor accepted\s*Shop/);

    // five wrong passwords lock the person out...
    for (let i = 0; i < 5; i += 1) {
      const attacker = new Browser(stepup.issuer);
      await attacker.open(oidc.buildAuthorizationUrl(config, { redirect_uri: 'http://127.0.0.1:2/callback', scope: 'openid', state }).href);
      await attacker.submit('/login', { email: personEmail, password: `wrong ${i}` });
    }
    await page.reload();
    await expect(page.locator('#lockout-state').textContent()).resolves.toMatch(/^locked until/);
    await page.goto(`${stepup.issuer}/admin?range=24h`);
    await expect(page.locator('#failing-accounts svg').textContent()).resolves.toContain(personEmail);
    await expect(page.locator('#lockouts svg').textContent()).resolves.toContain('lockouts (1)');
    await page.screenshot({ path: join(screenshots, 'console-dashboard.png'), fullPage: true });

    // ...and the admin unlocks them, after a confirmation that names them
    await page.goto(`${stepup.issuer}/admin/people`);
    await page.getByRole('link', { name: personEmail }).click();
    await page.getByRole('link', { name: 'Unlock' }).click();
    await expect(page.locator('#confirm-question').textContent()).resolves.toBe(`Unlock the account: ${personEmail}?`);
    await page.getByRole('button', { name: `Unlock the account: ${personEmail}` }).click();
    await expect(page.locator('#notice').textContent()).resolves.toBe('The account is unlocked.');
    await expect(page.locator('#lockout-state').textContent()).resolves.toBe('not locked');
    const person = await stepup.container.store.accounts.findByEmail(personEmail);
    expect(await stepup.container.lockout.lockedUntil(person!.id)).toBeNull();

    // a phone's width: the page does not scroll sideways (wide tables scroll inside their box)
    await page.setViewportSize({ width: 375, height: 800 });
    await page.goto(`${stepup.issuer}/admin?range=24h`);
    expect(await page.locator('html').evaluate((html) => html.scrollWidth)).toBeLessThanOrEqual(375);
    await page.goto(`${stepup.issuer}/admin/people/${person!.id}`);
    expect(await page.locator('html').evaluate((html) => html.scrollWidth)).toBeLessThanOrEqual(375);
    await page.screenshot({ path: join(screenshots, 'console-person-phone.png'), fullPage: true });

    expect(violations).toEqual([]);
    await context.close();
  });

  test('an admin whose passkey proves phr is asked for it: once its hold ends, a sign-in by app code alone does not open the console', async () => {
    const { context, page } = await browserWithAuthenticator(chromiumBrowser);
    // the first sign-in enrols an authenticator app, which is enough while there is no passkey;
    // then a passkey, added in the account area
    const { admin, secret } = await adminWithAppThenPasskey(stepup, page);

    // a new browser session signed in with the app code
    const signInWithAppCode = async () => {
      await context.clearCookies();
      nextTimeStep(stepup);
      await page.goto(`${stepup.issuer}/admin`);
      await typePassword(page, admin);
      await page.getByRole('link', { name: 'Authenticator app' }).click();
      await page.getByLabel('Authenticator app').fill(await totpCode(stepup, secret));
      await page.getByRole('button', { name: 'Continue' }).click();
    };
    // while the new passkey is held (a day) it proves no more than the app: the app code opens the console
    await signInWithAppCode();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    // past the hold the passkey proves phr, and the console asks for it too
    stepup.clock.advance(86_400_000 + 60_000);
    await signInWithAppCode();
    await page.getByRole('button', { name: 'Use your passkey' }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    const accepted = await stepup.container.store.audit.query({ email: admin.email, type: 'code_ok', clientId: 'stepup-console', limit: 10 });
    expect(accepted[0]!.channel).toBe('webauthn');
    await context.close();
  });

  test('an admin uploads a logo in the client form: it shows on the sign-in page; an SVG, a large or a mislabelled file is refused and changes nothing', async () => {
    const adminEmail = 'logo.admin@example.com';
    await stepup.container.userAdmin.add({ email: adminEmail, password: PASSWORD, emailCode: true });
    await stepup.container.userAdmin.update(adminEmail, { roles: ['admin'] });
    const app = await relyingParty(stepup, { name: 'Harbor Tickets' });
    const context = await chromiumBrowser.newContext();
    const page = await context.newPage();
    await page.goto(`${stepup.issuer}/admin`);
    await signInWithEmailCode(page, adminEmail);
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    const metadata = async () => (await stepup.container.store.clients.find(app.clientId))!.metadata;
    const before = await metadata();

    // the unsafe files: each refused next to the field, in the words of the API's rule, nothing stored
    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64');
    const unsafe = [
      {
        name: 'logo.svg',
        mimeType: 'image/svg+xml',
        buffer: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        says: 'SVG and other formats are refused',
      },
      { name: 'logo.png', mimeType: 'image/png', buffer: Buffer.from('GIF but not really, and no magic bytes'), says: 'must be a PNG, JPEG or GIF image' },
      { name: 'big.png', mimeType: 'image/png', buffer: Buffer.concat([png, Buffer.alloc(40_000)]), says: 'a logo may have at most 32768' },
    ];
    for (const file of unsafe) {
      await page.goto(`${stepup.issuer}/admin/clients/${app.clientId}/edit`);
      await page.getByLabel(/Or upload a logo/).setInputFiles({ name: file.name, mimeType: file.mimeType, buffer: file.buffer });
      await page.getByRole('button', { name: 'Save changes' }).click();
      await expect(page.locator('#logoImage-error').textContent()).resolves.toContain(file.says);
      await expect(page.getByLabel(/Or upload a logo/).getAttribute('aria-invalid')).resolves.toBe('true');
      expect(await metadata()).toEqual(before);
    }

    // a PNG: stored, and shown on the application's sign-in page
    await page.goto(`${stepup.issuer}/admin/clients/${app.clientId}/edit`);
    await page.getByLabel(/Or upload a logo/).setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: png });
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect(page.locator('#notice').textContent()).resolves.toBe('The changes were saved.');
    expect((await metadata()).logo_image).toBe(`data:image/png;base64,${png.toString('base64')}`);
    const person = await chromiumBrowser.newContext();
    const signIn = await person.newPage();
    await signIn.goto((await app.authorize()).url);
    await expect(signIn.locator('img.brand-logo').getAttribute('src')).resolves.toBe(`data:image/png;base64,${png.toString('base64')}`);
    await expect(signIn.locator('.brand').textContent()).resolves.toContain('Harbor Tickets');

    // saving the form again without a file keeps it; the box removes it
    await page.goto(`${stepup.issuer}/admin/clients/${app.clientId}/edit`);
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.locator('#notice').waitFor();
    expect((await metadata()).logo_image).toBe(`data:image/png;base64,${png.toString('base64')}`);
    await page.goto(`${stepup.issuer}/admin/clients/${app.clientId}/edit`);
    await page.getByLabel('Remove the uploaded logo').check();
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.locator('#notice').waitFor();
    expect((await metadata()).logo_image).toBeUndefined();
    await signIn.goto((await app.authorize()).url);
    expect(await signIn.locator('img.brand-logo').count()).toBe(0);
    await person.close();
    await context.close();
  });
});
