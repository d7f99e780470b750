import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Browser as Chromium, Page } from 'playwright-core';
import { describeInChromium, launchChromium } from './support/chromium.ts';
import { latestCode, waitForMessage } from './support/outbox.ts';
import { createPerson, PASSWORD, totpCode } from './support/people.ts';
import { type RelyingParty, relyingParty } from './support/relying_party.ts';
import { type RunningStepup, startStepup } from './support/stepup.ts';

/**
 * axe-core (WCAG 2.0–2.2, A and AA) on the pages a person sees, in both colour schemes. Each
 * template is either checked here or listed with the reason it is not yet: a new page cannot
 * slip by without one or the other.
 */
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const wcag = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

/** Templates no test here renders yet, each with why; everything else under views/ must be checked. */
const notYet: Record<string, string> = {
  locked: 'needs an account locked by failures',
  unmet: 'needs a phishing-resistant client and a held passkey',
  undo_factor: 'needs the link of a factor-added alert',
  account_message: 'a page of the account area shown after some actions only',
};

const maybe = describeInChromium('accessibility of the pages');

let stepup: RunningStepup;
let rp: RelyingParty;
let chromium: Chromium;

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

maybe('every page, light and dark', () => {
  beforeAll(async () => {
    stepup = await startStepup();
    rp = await relyingParty(stepup, { firstParty: true, name: 'Wallet' });
    chromium = await launchChromium();
  });
  afterAll(async () => {
    await chromium?.close();
    await stepup?.stop();
  });

  test.each(['light', 'dark'] as const)('in the %s scheme: no violation on any page walked, and every template checked or excused', async (colorScheme) => {
    const context = await chromium.newContext({ colorScheme, bypassCSP: true });
    // the applications' callbacks: answered here, as nothing listens there
    await context.route('http://127.0.0.1:2/**', (route) => route.fulfill({ status: 200, body: 'back at the application' }));
    const page = await context.newPage();
    const found: Record<string, Violation[]> = {};
    const checked = new Set<string>();
    const check = async (template: string) => {
      await page.waitForLoadState('load');
      checked.add(template);
      const violations = await violationsOn(page);
      if (violations.length) found[template] = violations;
    };

    // a new person's first sign-in: login (and its error), the choice, each enrolment page, recovery codes
    const newcomer = await createPerson(stepup);
    await page.goto((await rp.authorize()).url);
    await check('login');
    await page.getByLabel('Email').fill(newcomer.email);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByText('The email or password is not correct.').waitFor();
    await check('login');
    await page.getByLabel('Password').fill(newcomer.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('link', { name: 'Authenticator app' }).waitFor();
    await check('enrol_choice');
    const choice = page.url();
    await page.goto(`${choice}/passkey`);
    await check('enrol_passkey');
    await page.goto(`${choice}/email`);
    await check('enrol_delivered');
    await page.goto(`${choice}/totp`);
    await check('enrol_totp');
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
    await check('recovery_codes');
    await page.getByRole('link', { name: /I have saved my codes/ }).click();
    await page.waitForURL((url) => url.href.startsWith(rp.redirectUri));
    stepup.clock.advance(30_000);

    // another company's application: the consent page
    const shop = await relyingParty(stepup, { name: 'Shop' });
    await page.goto((await shop.authorize()).url);
    await page.getByRole('button', { name: 'Allow' }).waitFor();
    await check('consent');

    // an authorization request that cannot go on
    await page.goto(`${stepup.issuer}/auth?client_id=nobody&response_type=code&scope=openid&redirect_uri=https%3A%2F%2Fx.example`);
    await check('error');

    // someone whose second factor is email codes: the second-factor page, sent, and wrong
    const emailed = `emailed-${colorScheme}@example.com`;
    await stepup.container.userAdmin.add({ email: emailed, password: PASSWORD, emailCode: true });
    // in a browser of its own: the first one is signed in as the newcomer
    const otherContext = await chromium.newContext({ colorScheme, bypassCSP: true });
    const other = await otherContext.newPage();
    await other.goto(`${stepup.issuer}/account`);
    await other.getByLabel('Email').fill(emailed);
    await other.getByLabel('Password').fill(PASSWORD);
    await other.getByRole('button', { name: 'Sign in', exact: true }).click();
    await other.getByRole('button', { name: 'Send code' }).waitFor();
    const use = async (template: string) => {
      await other.waitForLoadState('load');
      checked.add(template);
      const violations = await violationsOn(other);
      if (violations.length) found[`${template} (${other.url()})`] = violations;
    };
    await use('second_factor');
    await other.getByRole('button', { name: 'Send code' }).click();
    await other.getByLabel('Email code').fill('000000');
    await other.getByRole('button', { name: 'Continue' }).click();
    await other.getByRole('alert').filter({ hasText: /./ }).first().waitFor();
    await use('second_factor');
    await other.getByLabel('Email code').fill(latestCode(stepup, emailed));
    await other.getByRole('button', { name: 'Continue' }).click();
    await other.getByRole('heading', { name: 'Your account' }).waitFor();
    await use('account');
    await other.goto(`${stepup.issuer}/account/activity`);
    await use('account_activity');
    await other.goto(`${stepup.issuer}/account/password`);
    await use('account_password');

    // signing out: the question, then the answer
    await other.goto(`${stepup.issuer}/session/end`);
    await use('logout');
    await other
      .getByRole('button', { name: /Sign out|Yes/ })
      .first()
      .click();
    await other.waitForURL((url) => !url.pathname.endsWith('/session/end'));
    await use('logged_out');

    // a forgotten password: the request, the mail, the form
    await other.goto(`${stepup.issuer}/password-reset`);
    await use('password_reset_request');
    await other.getByLabel('Email').fill(emailed);
    await other.getByRole('button').first().click();
    const mail = await waitForMessage(stepup, emailed, 'password');
    const link = /https?:\/\/\S+\/password-reset\/\S+/.exec(mail.text)?.[0];
    if (!link) throw new Error(`no reset link in:\n${mail.text}`);
    await other.goto(link);
    await use('password_reset_form');

    // every page template is checked here, or excused with its reason
    const templates = readdirSync(join(import.meta.dirname, '..', 'views'))
      .filter((file) => file.endsWith('.njk') && !file.startsWith('_') && !file.startsWith('console') && !file.endsWith('layout.njk'))
      .map((file) => file.replace(/\.njk$/, ''));
    const unaccounted = templates.filter((template) => !checked.has(template) && !Object.hasOwn(notYet, template));
    expect(unaccounted).toEqual([]);
    expect(found).toEqual({});
    await context.close();
    await otherContext.close();
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
