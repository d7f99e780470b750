import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Browser as Chromium, Page } from 'playwright-core';
import { describeInChromium, launchChromium } from './support/chromium.ts';
import { latestCode, waitForMessage } from './support/outbox.ts';
import { browserWithAuthenticator, signInWithEmailCode, typePassword } from './support/passkey_browser.ts';
import { createPerson, PASSWORD, totpCode } from './support/people.ts';
import { type RelyingParty, relyingParty } from './support/relying_party.ts';
import { type RunningStepup, startStepup } from './support/stepup.ts';

/**
 * axe-core (WCAG 2.0–2.2, A and AA) on the pages a person sees, in both colour schemes, and
 * each page's reflow at a phone's width and more than 200% zoom. Each
 * template is either checked here or listed with the reason it is not yet: a new page cannot
 * slip by without one or the other.
 */
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const wcag = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

/** Templates no test here renders yet, each with why; everything else under views/ must be checked. */
const notYet: Record<string, string> = {};

const maybe = describeInChromium('accessibility of the pages');

type Scheme = 'light' | 'dark';
const schemes: Scheme[] = ['light', 'dark'];

let stepup: RunningStepup;
let rp: RelyingParty;
let chromium: Chromium;
/** The templates checked so far in each colour scheme, by every test of this file. */
const checked: Record<Scheme, Set<string>> = { light: new Set(), dark: new Set() };

interface Violation {
  id: string;
  impact: string | null;
  targets: string[];
}

async function violationsOn(page: Page): Promise<Violation[]> {
  await page.evaluate(axeSource);
  return page.evaluate(async (tags) => {
    const axe = (
      globalThis as unknown as {
        axe: { run(options: object): Promise<{ violations: { id: string; impact: string | null; nodes: { target: string[] }[] }[] }> };
      }
    ).axe;
    const { violations } = await axe.run({ runOnly: { type: 'tag', values: tags } });
    return violations.map(({ id, impact, nodes }) => ({ id, impact, targets: nodes.map((node) => node.target.join(' ')) }));
  }, wcag);
}

/**
 * WCAG 1.4.10, reflow: at 320 CSS pixels wide (a 1280-pixel window at 400% zoom, narrower than
 * a phone and than any window at 200%) the page needs no sideways scrolling; a wide table may
 * scroll in its own box. Answers what sticks out, or nothing.
 */
async function reflowAt320(page: Page): Promise<Violation[]> {
  const before = page.viewportSize();
  await page.setViewportSize({ width: 320, height: 640 });
  const wider = await page.evaluate(`(() => {
    const page = document.documentElement;
    if (page.scrollWidth <= page.clientWidth + 1) return [];
    return [...document.body.querySelectorAll('*')]
      .filter((element) => element.getBoundingClientRect().right > page.clientWidth + 1 && !element.closest('.table-wrap'))
      .slice(0, 5)
      .map((element) => element.tagName.toLowerCase() + (element.className ? '.' + String(element.className).split(' ').join('.') : ''));
  })()`);
  if (before) await page.setViewportSize(before);
  return (wider as string[]).length ? [{ id: 'reflow at 320 CSS px', impact: 'serious', targets: wider as string[] }] : [];
}

/**
 * A checker for one test: axe on a page as it is now (and, in the light scheme, its reflow),
 * `template` counted as checked; violations in `found`, by template and path.
 */
function checkerFor(colorScheme: Scheme, found: Record<string, Violation[]>) {
  return async (page: Page, template: string) => {
    await page.waitForLoadState('load');
    checked[colorScheme].add(template);
    const violations = [...(await violationsOn(page)), ...(colorScheme === 'light' ? await reflowAt320(page) : [])];
    if (violations.length) found[`${template} (${new URL(page.url()).pathname})`] = violations;
  };
}

/** A browser context in the scheme, the applications' callbacks answered here, as nothing listens there. */
async function contextIn(colorScheme: Scheme) {
  const context = await chromium.newContext({ colorScheme, bypassCSP: true });
  await context.route('http://127.0.0.1:2/**', (route) => route.fulfill({ status: 200, body: 'back at the application' }));
  return context;
}

maybe('every page, light and dark', () => {
  beforeAll(async () => {
    // WebAuthn (the unmet page) needs a domain for its RP ID
    stepup = await startStepup({}, undefined, { hostname: 'localhost' });
    rp = await relyingParty(stepup, { firstParty: true, name: 'Wallet' });
    chromium = await launchChromium();
  });
  afterAll(async () => {
    await chromium?.close();
    await stepup?.stop();
  });

  test.each(schemes)('in the %s scheme: no violation on the pages of a sign-in, the account area and a reset', async (colorScheme) => {
    const context = await contextIn(colorScheme);
    const page = await context.newPage();
    const found: Record<string, Violation[]> = {};
    const check = checkerFor(colorScheme, found);

    // a new person's first sign-in: login (and its error), the choice, each enrolment page, recovery codes
    const newcomer = await createPerson(stepup);
    await page.goto((await rp.authorize()).url);
    await check(page, 'login');
    await page.getByLabel('Email').fill(newcomer.email);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByText('The email or password is not correct.').waitFor();
    await check(page, 'login');
    await page.getByLabel('Password').fill(newcomer.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('link', { name: 'Authenticator app' }).waitFor();
    await check(page, 'enrol_choice');
    const choice = page.url();
    await page.goto(`${choice}/passkey`);
    await check(page, 'enrol_passkey');
    await page.goto(`${choice}/email`);
    await check(page, 'enrol_delivered');
    await page.goto(`${choice}/totp`);
    await check(page, 'enrol_totp');
    const secret = (await page.locator('#totp-secret').textContent())!.replace(/\s/g, '');
    await page
      .getByLabel(/code/i)
      .first()
      .fill(await totpCode(stepup, secret));
    await page
      .getByRole('button', { name: /Confirm|Continue/ })
      .first()
      .click();
    await page.getByRole('heading', { name: 'Save your recovery codes' }).waitFor();
    await check(page, 'recovery_codes');
    await page.getByRole('link', { name: /I have saved my codes/ }).click();
    await page.waitForURL((url) => url.href.startsWith(rp.redirectUri));
    stepup.clock.advance(30_000);

    // another company's application: the consent page
    const shop = await relyingParty(stepup, { name: 'Shop' });
    await page.goto((await shop.authorize()).url);
    await page.getByRole('button', { name: 'Allow' }).waitFor();
    await check(page, 'consent');

    // an authorization request that cannot go on
    await page.goto(`${stepup.issuer}/auth?client_id=nobody&response_type=code&scope=openid&redirect_uri=https%3A%2F%2Fx.example`);
    await check(page, 'error');

    // someone whose second factor is email codes: the second-factor page, sent, and wrong
    const emailed = `emailed-${colorScheme}@example.com`;
    await stepup.container.userAdmin.add({ email: emailed, password: PASSWORD, emailCode: true });
    // in a browser of its own: the first one is signed in as the newcomer
    const otherContext = await contextIn(colorScheme);
    const other = await otherContext.newPage();
    await other.goto(`${stepup.issuer}/account`);
    await other.getByLabel('Email').fill(emailed);
    await other.getByLabel('Password').fill(PASSWORD);
    await other.getByRole('button', { name: 'Sign in', exact: true }).click();
    await other.getByRole('button', { name: 'Send code' }).waitFor();
    await check(other, 'second_factor');
    await other.getByRole('button', { name: 'Send code' }).click();
    await other.getByLabel('Email code').fill('000000');
    await other.getByRole('button', { name: 'Continue' }).click();
    await other.getByRole('alert').filter({ hasText: /./ }).first().waitFor();
    await check(other, 'second_factor');
    await other.getByLabel('Email code').fill(latestCode(stepup, emailed));
    await other.getByRole('button', { name: 'Continue' }).click();
    await other.getByRole('heading', { name: 'Your account' }).waitFor();
    await check(other, 'account');
    await other.goto(`${stepup.issuer}/account/activity`);
    await check(other, 'account_activity');
    await other.goto(`${stepup.issuer}/account/password`);
    await check(other, 'account_password');

    // signing out: the question, then the answer
    await other.goto(`${stepup.issuer}/session/end`);
    await check(other, 'logout');
    await other
      .getByRole('button', { name: /Sign out|Yes/ })
      .first()
      .click();
    await other.waitForURL((url) => !url.pathname.endsWith('/session/end'));
    await check(other, 'logged_out');

    // a forgotten password: the request, the mail, the form
    await other.goto(`${stepup.issuer}/password-reset`);
    await check(other, 'password_reset_request');
    await other.getByLabel('Email').fill(emailed);
    await other.getByRole('button').first().click();
    const mail = await waitForMessage(stepup, emailed, 'password');
    const link = /https?:\/\/\S+\/password-reset\/\S+/.exec(mail.text)?.[0];
    if (!link) throw new Error(`no reset link in:\n${mail.text}`);
    await other.goto(link);
    await check(other, 'password_reset_form');

    // the newcomer's "second factor added" alert: its undo page, then the answer of the account area
    const added = await waitForMessage(stepup, newcomer.email, 'A second factor was added');
    const undo = /https?:\/\/\S+\/account\/undo-factor\?token=[\w-]+/.exec(added.text)?.[0];
    if (!undo) throw new Error(`no undo link in:\n${added.text}`);
    await page.goto(undo);
    await check(page, 'undo_factor');
    await page.getByRole('button', { name: 'Remove it and sign out everywhere' }).click();
    await page.getByRole('heading').first().waitFor();
    await check(page, 'account_message');

    expect(found).toEqual({});
    await context.close();
    await otherContext.close();
  });

  test.each(schemes)('in the %s scheme: no violation on the locked and unmet pages', async (colorScheme) => {
    const found: Record<string, Violation[]> = {};
    const check = checkerFor(colorScheme, found);

    // five wrong passwords lock the account
    const context = await contextIn(colorScheme);
    const page = await context.newPage();
    const person = await createPerson(stepup);
    await page.goto((await rp.authorize()).url);
    for (let i = 0; i < 5; i += 1) {
      await page.getByLabel('Password').waitFor();
      await page.getByLabel('Email').fill(person.email);
      await page.getByLabel('Password').fill(`wrong ${i}`);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.getByRole('alert').filter({ hasText: /./ }).first().waitFor();
    }
    await page.locator('#locked').waitFor();
    await check(page, 'locked');
    await context.close();

    // a client that needs a phishing-resistant sign-in, and a new person who adds a passkey in it: unmet
    const strict = await relyingParty(stepup, { firstParty: true, mfaPolicy: 'phishing-resistant', name: 'Vault' });
    const { context: withPasskeys, page: passkeyPage } = await browserWithAuthenticator(chromium, { contextOptions: { colorScheme, bypassCSP: true } });
    const newcomer = await createPerson(stepup);
    await passkeyPage.goto((await strict.authorize()).url);
    await typePassword(passkeyPage, newcomer);
    await passkeyPage.getByRole('link', { name: 'Passkey' }).click();
    await passkeyPage.getByRole('button', { name: 'Create a passkey' }).click();
    await passkeyPage.locator('#unmet').waitFor();
    await check(passkeyPage, 'unmet');
    await withPasskeys.close();

    expect(found).toEqual({});
  });

  test.each(schemes)('in the %s scheme: no violation on any page of the admin console', async (colorScheme) => {
    const found: Record<string, Violation[]> = {};
    const check = checkerFor(colorScheme, found);
    const adminEmail = `admin-${colorScheme}@example.com`;
    await stepup.container.userAdmin.add({ email: adminEmail, password: PASSWORD, emailCode: true });
    await stepup.container.userAdmin.update(adminEmail, { roles: ['admin'] });
    const admin = (await stepup.container.store.accounts.findByEmail(adminEmail))!;

    const context = await contextIn(colorScheme);
    const page = await context.newPage();
    const visit = async (path: string, heading: string | RegExp, template: string) => {
      await page.goto(`${stepup.issuer}${path}`);
      await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
      await check(page, template);
    };
    // a wrong password first: failed rows on the dashboard and in the activity
    await page.goto(`${stepup.issuer}/admin`);
    await page.getByLabel('Email').fill(adminEmail);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: /./ }).first().waitFor();
    await signInWithEmailCode(stepup, page, adminEmail);
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await visit('/admin?range=24h', 'Dashboard', 'console_dashboard');
    await visit('/admin/activity', /^Activity/, 'console_activity');
    await visit('/admin/deliveries', /^Deliveries/, 'console_deliveries');
    await visit('/admin/clients', 'Client applications', 'console_clients');
    await visit(`/admin/clients/${rp.clientId}`, 'Wallet', 'console_client');
    await visit(`/admin/clients/${rp.clientId}/edit`, 'Edit Wallet', 'console_client_form');
    // the form with its errors
    await page.goto(`${stepup.issuer}/admin/clients/new`);
    await page.getByLabel('Name', { exact: true }).fill('Broken');
    await page.getByLabel('Redirect URIs', { exact: true }).fill('not a uri');
    await page.getByRole('button', { name: 'Register' }).click();
    await page.getByRole('alert').filter({ hasText: /./ }).first().waitFor();
    await check(page, 'console_client_form');
    await visit('/admin/people', 'People', 'console_people');
    await visit(`/admin/people/${admin.id}`, adminEmail, 'console_person');
    await visit('/admin/keys', /keys/, 'console_keys');
    await visit('/admin/keys/rotate', /./, 'console_confirm');
    await visit(`/admin/people/${admin.id}/unlock`, /^Unlock/, 'console_confirm');

    // past the fresh window a dangerous action asks to confirm it is you: the page, then with the code sent
    stepup.clock.advance(301_000);
    await page.goto(`${stepup.issuer}/admin/keys/rotate`);
    await page.getByRole('heading', { name: 'Confirm it is you' }).waitFor();
    await check(page, 'console_fresh_proof');
    await page.getByRole('button', { name: 'Send a code by email' }).click();
    await page.getByLabel('Email code').waitFor();
    await check(page, 'console_fresh_proof');

    // signed out of the console, after the provider's question
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL((url) => url.pathname.startsWith('/session/end'));
    await page
      .getByRole('button', { name: /Sign out|Yes/ })
      .first()
      .click();
    await page.waitForURL((url) => url.pathname === '/admin/signed-out');
    await check(page, 'account_message');
    await context.close();

    // a link from another site, without the console's cookie: the page between (its refresh taken off to stay on it)
    const hopContext = await contextIn(colorScheme);
    const hop = await hopContext.newPage();
    await hop.route(`${stepup.issuer}/admin/clients`, async (route) => {
      const response = await route.fetch({ headers: { ...route.request().headers(), 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate' } });
      const { refresh: _refresh, ...headers } = response.headers();
      await route.fulfill({ response, headers });
    });
    await hop.goto(`${stepup.issuer}/admin/clients`);
    await hop.getByRole('link', { name: 'Open the admin console' }).waitFor();
    await check(hop, 'console_hop');
    await hopContext.close();

    // someone without the admin role
    const person = `not-admin-${colorScheme}@example.com`;
    await stepup.container.userAdmin.add({ email: person, password: PASSWORD, emailCode: true });
    const refusedContext = await contextIn(colorScheme);
    const refused = await refusedContext.newPage();
    await refused.goto(`${stepup.issuer}/admin`);
    await signInWithEmailCode(stepup, refused, person);
    await refused.getByRole('heading', { name: 'Not an administrator' }).waitFor();
    await check(refused, 'console_refused');
    await refusedContext.close();

    expect(found).toEqual({});
  });

  test.each(schemes)('in the %s scheme: every template is checked, or excused with its reason', (colorScheme) => {
    const templates = readdirSync(join(import.meta.dirname, '..', 'views'))
      .filter((file) => file.endsWith('.njk') && !file.startsWith('_') && !file.endsWith('layout.njk'))
      .map((file) => file.replace(/\.njk$/, ''));
    expect(templates).toContain('console_dashboard');
    const unaccounted = templates.filter((template) => !checked[colorScheme].has(template) && !Object.hasOwn(notYet, template));
    expect(unaccounted).toEqual([]);
  });

  test.each(['light', 'dark'] as const)('in Arabic (right to left), %s: no violation on the sign-in and second-factor pages', async (colorScheme) => {
    const email = `arabic-${colorScheme}@example.com`;
    await stepup.container.userAdmin.add({ email, password: PASSWORD, emailCode: true });
    const context = await chromium.newContext({ colorScheme, bypassCSP: true });
    const page = await context.newPage();
    const found: Record<string, Violation[]> = {};
    const check = async (what: string) => {
      await page.waitForLoadState('load');
      expect(await page.locator('html').getAttribute('dir')).toBe('rtl');
      const violations = await violationsOn(page);
      if (violations.length) found[what] = violations;
    };
    await page.goto((await rp.authorize({ ui_locales: 'ar' })).url);
    await check('login');
    await page.locator('#email').fill(email);
    await page.locator('#password').fill('not the password');
    await page.locator('form[action$="/login"] button[type=submit]').click();
    await page.getByRole('alert').filter({ hasText: /./ }).first().waitFor();
    await check('login with its error');
    await page.locator('#password').fill(PASSWORD);
    await page.locator('form[action$="/login"] button[type=submit]').click();
    await page.waitForURL(/\/second-factor/);
    await check('second_factor');
    await page.locator('form[action$="/second-factor/send"] button').click();
    await page.locator('#code-sent').waitFor();
    await check('second_factor with the code sent');
    await page.locator('#code').fill('000000');
    await page.locator('form[action$="/second-factor"] button[type=submit]').click();
    await page.getByRole('alert').filter({ hasText: /./ }).first().waitFor();
    await check('second_factor with a wrong code');
    expect(found).toEqual({});
    await context.close();
  });
});
