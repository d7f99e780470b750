import type { BrowserContext, Browser as Chromium, Page } from 'playwright-core';
import { localDay, localMinute, localTime } from '../src/dates.ts';
import { type Language, languages } from '../src/i18n/languages.ts';
import { translator } from '../src/i18n/translator.ts';
import { describeInChromium, launchChromium } from './support/chromium.ts';
import { latestCode, waitForMessage } from './support/outbox.ts';
import { PASSWORD } from './support/people.ts';
import { type RelyingParty, relyingParty } from './support/relying_party.ts';
import { type RunningStepup, startStepup } from './support/stepup.ts';

/**
 * The seven languages through a real sign-in in Chromium: chosen by ui_locales, the saved
 * locale, Accept-Language or the switcher, in that order, with the email code in the person's.
 */
const maybe = describeInChromium('the pages in seven languages');

let stepup: RunningStepup;
let rp: RelyingParty;
let chromium: Chromium;
let context: BrowserContext | undefined;

const t = (language: Language, key: string, values?: Record<string, string | number>) => translator(language).t(key, values);

/** A person whose second factor is email codes, with a saved locale when given. */
async function personWithEmailCodes(name: string, locale?: string) {
  const email = `${name.toLowerCase()}-${Math.random().toString(36).slice(2, 8)}@example.com`;
  await stepup.container.userAdmin.add({ email, password: PASSWORD, emailCode: true });
  if (locale) await stepup.container.userAdmin.update(email, { profile: { locale } });
  return email;
}

/** A fresh browser (its Accept-Language from `locale`), at the login page of an authorization with `params`. */
async function atLogin(params: Record<string, string> = {}, locale = 'en-US'): Promise<Page> {
  await context?.close();
  context = await chromium.newContext({ locale, bypassCSP: true });
  await context.route(`${rp.redirectUri}**`, (route) => route.fulfill({ status: 200, body: 'back at the application' }));
  const page = await context.newPage();
  await page.goto((await rp.authorize(params)).url);
  await page.locator('#email').waitFor();
  return page;
}

/** The password step, by the fields' ids: their labels are in the page's language. */
async function submitPassword(page: Page, email: string) {
  await page.locator('#email').fill(email);
  await page.locator('#password').fill(PASSWORD);
  await page.locator('form[action$="/login"] button[type=submit]').click();
  await page.waitForURL(/\/second-factor/);
}

/** The code just emailed to `email`, once the outbox has it. */
async function emailedCode(email: string) {
  await waitForMessage(stepup, email, '');
  return latestCode(stepup, email);
}

const htmlLanguage = async (page: Page) => {
  const html = page.locator('html');
  return { lang: await html.getAttribute('lang'), dir: await html.getAttribute('dir') };
};
const heading = (page: Page) => page.locator('h1').textContent();

maybe('languages', () => {
  beforeAll(async () => {
    stepup = await startStepup();
    rp = await relyingParty(stepup, { firstParty: true, name: 'Harbor Tickets' });
    chromium = await launchChromium();
  });
  afterAll(async () => {
    await context?.close();
    await chromium?.close();
    await stepup?.stop();
  });

  test('discovery lists the seven languages in ui_locales_supported', async () => {
    const metadata = (await (await fetch(`${stepup.issuer}/.well-known/openid-configuration`)).json()) as { ui_locales_supported: string[] };
    expect(metadata.ui_locales_supported).toEqual(['en', 'de', 'fr', 'es', 'pt-BR', 'ja', 'ar']);
  });

  test.each([...languages])('ui_locales=%s: the sign-in, its second factor and the emailed code are in that language', async (language) => {
    const email = await personWithEmailCodes(`ui-${language}`);
    const page = await atLogin({ ui_locales: language });
    expect(await htmlLanguage(page)).toEqual({ lang: language, dir: language === 'ar' ? 'rtl' : 'ltr' });
    expect(await heading(page)).toBe(t(language, 'login.title'));
    expect(await page.title()).toBe(`${t(language, 'login.title')} · Stepup`);
    expect(await page.locator('label[for=password]').textContent()).toBe(t(language, 'login.password'));
    if (language === 'ar') {
      // the layout mirrors: the page and its text run right to left
      const direction = await page
        .locator('main')
        .evaluate((main) => (globalThis as unknown as { getComputedStyle(e: unknown): { direction: string } }).getComputedStyle(main).direction);
      expect(direction).toBe('rtl');
    }

    // a wrong password: the error is in the language too
    await page.locator('#password').fill('not the password');
    await page.locator('#email').fill(email);
    await page.locator('form[action$="/login"] button[type=submit]').click();
    await page.getByRole('alert').getByText(t(language, 'login.wrong_credentials')).waitFor();

    await submitPassword(page, email);
    expect(await htmlLanguage(page)).toEqual({ lang: language, dir: language === 'ar' ? 'rtl' : 'ltr' });
    expect(await heading(page)).toBe(t(language, 'second_factor.heading'));
    await page.locator('form[action$="/second-factor/send"] button').click();
    await page.locator('#code-sent').waitFor();
    expect(await page.locator('#code-sent').textContent()).toContain(t(language, 'duration.minutes', { count: 2 }));

    const code = await emailedCode(email);
    const mail = await waitForMessage(stepup, email, code);
    expect(mail.subject).toBe(t(language, 'code_email.subject', { service: 'Stepup', code }));
    expect(mail.text).toContain(t(language, 'code_email.expires', { minutes: 2 }));

    await page.locator('#code').fill(code);
    await page.locator('form[action$="/second-factor"] button[type=submit]').click();
    await page.waitForURL((url) => url.href.startsWith(rp.redirectUri));
  });

  test('ui_locales beats the saved locale, which beats Accept-Language, which beats English', async () => {
    const email = await personWithEmailCodes('order', 'fr-CA');

    // ui_locales (German) over everything on the pages; the email follows the saved locale (French)
    let page = await atLogin({ ui_locales: 'nl de' }, 'es-ES');
    expect((await htmlLanguage(page)).lang).toBe('de');
    await submitPassword(page, email);
    expect((await htmlLanguage(page)).lang).toBe('de');
    await page.locator('form[action$="/second-factor/send"] button').click();
    await page.locator('#code-sent').waitFor();
    const code = await emailedCode(email);
    expect((await waitForMessage(stepup, email, code)).subject).toBe(t('fr', 'code_email.subject', { service: 'Stepup', code }));

    // no ui_locales: the login page follows Accept-Language (no one is known yet), then the saved locale wins
    page = await atLogin({}, 'es-ES');
    expect((await htmlLanguage(page)).lang).toBe('es');
    expect(await heading(page)).toBe('Iniciar sesión');
    await submitPassword(page, email);
    expect((await htmlLanguage(page)).lang).toBe('fr');
    expect(await heading(page)).toBe('Confirmez votre identité');

    // nothing saved: Accept-Language, region and all (pt → pt-BR)
    const unsaved = await personWithEmailCodes('unsaved');
    page = await atLogin({}, 'pt-PT');
    await submitPassword(page, unsaved);
    expect((await htmlLanguage(page)).lang).toBe('pt-BR');
    expect(await heading(page)).toBe('Confirme que é você');

    // nothing supported anywhere: English
    page = await atLogin({ ui_locales: 'nl sv' }, 'fi-FI');
    expect(await htmlLanguage(page)).toEqual({ lang: 'en', dir: 'ltr' });
    expect(await heading(page)).toBe('Sign in');
  });

  test('an alert raised by a sign-in is in its language when the person saved none', async () => {
    const email = await personWithEmailCodes('locked');
    const page = await atLogin({ ui_locales: 'ja' });
    for (let i = 0; i < 5; i += 1) {
      await page.locator('#email').fill(email);
      await page.locator('#password').fill(`wrong ${i}`);
      await page.locator('form[action$="/login"] button[type=submit]').click();
      await page.getByRole('alert').first().waitFor();
    }
    expect(await heading(page)).toBe(t('ja', 'locked.heading'));
    const alert = await waitForMessage(stepup, email, t('ja', 'alert.subject_lockout'));
    expect(alert.subject).toBe(`Stepup：${t('ja', 'alert.subject_lockout')}`);
    expect(alert.text).toContain(t('ja', 'alert.lockout_advice'));
    // the end of the lockout in Japanese words and order, on the page and in the mail
    const until = (await stepup.container.lockout.lockedUntil((await stepup.container.store.accounts.findByEmail(email))!.id))!;
    expect(await page.locator('#locked').textContent()).toContain(`${localTime('ja', until)} UTC`);
    expect(alert.text).toContain(`${localMinute('ja', until)} UTC`);
  });

  test("the account area's dates, applications and browsers are in the person's language", async () => {
    const email = await personWithEmailCodes('dated', 'fr');
    await context?.close();
    context = await chromium.newContext({ locale: 'en-US', bypassCSP: true });
    const page = await context.newPage();
    await page.goto(`${stepup.issuer}/account`);
    await page.locator('#email').fill(email);
    await page.locator('#password').fill(PASSWORD);
    await page.locator('form[action$="/login"] button[type=submit]').click();
    await page.locator('form[action$="/second-factor/send"] button').click();
    await page.locator('#code').fill(await emailedCode(email));
    await page.locator('form[action$="/second-factor"] button[type=submit]').click();
    await page.waitForURL((url) => url.pathname === '/account');
    const account = (await stepup.container.store.accounts.findByEmail(email))!;
    const [factor] = await stepup.container.secondFactors.confirmedFactors(account.id);
    expect(await page.locator('main').textContent()).toContain(t('fr', 'account.added', { added: localDay('fr', factor!.createdAt) }));
    await page.goto(`${stepup.issuer}/account/activity`);
    const [latest] = await stepup.container.store.audit.query({ accountId: account.id, limit: 1 });
    const cells = page.locator('tbody tr').first().locator('td');
    expect(await cells.nth(0).textContent()).toBe(localMinute('fr', latest!.at));
    // the application and the browser in French words too
    expect(await cells.nth(2).textContent()).toBe(t('fr', 'activity.app_account', { service: 'Stepup' }));
    expect(await cells.nth(4).textContent()).toMatch(/^\S+ \d+ sous Linux$/);
  });

  test('the switcher changes the language for the rest of this sign-in only, with no script', async () => {
    const email = await personWithEmailCodes('switcher');
    const page = await atLogin({ ui_locales: 'en' });
    await context?.route('**/*.js', (route) => route.abort());
    await page.getByRole('navigation', { name: 'Language' }).getByRole('link', { name: '日本語' }).click();
    await page.waitForURL(/lang=ja/);
    expect((await htmlLanguage(page)).lang).toBe('ja');
    expect(await heading(page)).toBe('サインイン');
    await expect(page.getByRole('link', { name: '日本語' }).getAttribute('aria-current')).resolves.toBe('true');

    // the next page of the same sign-in keeps the choice, over ui_locales
    await submitPassword(page, email);
    expect((await htmlLanguage(page)).lang).toBe('ja');
    await page.getByRole('link', { name: 'العربية' }).click();
    expect(await htmlLanguage(page)).toEqual({ lang: 'ar', dir: 'rtl' });
    expect(await heading(page)).toBe(t('ar', 'second_factor.heading'));
    // the method shown is kept in the switcher's links
    expect(new URL(page.url()).pathname).toMatch(/\/second-factor$/);

    // another sign-in in the same browser starts from its own ui_locales again
    await page.goto((await rp.authorize({ ui_locales: 'de' })).url);
    expect((await htmlLanguage(page)).lang).toBe('de');
  });

  test('pages outside a sign-in follow the browser’s language: an unknown address, the password reset', async () => {
    const page = await atLogin({}, 'ar-EG');
    await page.goto(`${stepup.issuer}/no-such-page`);
    expect(await htmlLanguage(page)).toEqual({ lang: 'ar', dir: 'rtl' });
    expect(await page.getByRole('alert').textContent()).toBe(t('ar', 'error.not_found'));
    await page.goto(`${stepup.issuer}/password-reset`);
    expect(await heading(page)).toBe(t('ar', 'reset.request_title'));
  });
});
