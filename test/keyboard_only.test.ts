import type { Browser as Chromium, Page } from 'playwright-core';
import { describeInChromium, launchChromium } from './support/chromium.ts';
import { createPerson, totpCode } from './support/people.ts';
import { type RelyingParty, relyingParty } from './support/relying_party.ts';
import { type RunningStepup, startStepup } from './support/stepup.ts';

/**
 * A first sign-in and the enrolment of an authenticator app with the keyboard alone: Tab to
 * each control, type, Enter. Whatever has focus is visibly outlined on every page.
 */
const maybe = describeInChromium('keyboard-only sign-in');

let stepup: RunningStepup;
let rp: RelyingParty;
let chromium: Chromium;

interface Matchable {
  matches(selector: string): boolean;
}
interface FocusStyle {
  outlineStyle: string;
  outlineWidth: string;
  boxShadow: string;
}

/** Presses Tab until the focused element matches `selector` (at most 30 times), then says what it is. */
async function tabTo(page: Page, selector: string) {
  for (let presses = 0; presses < 30; presses++) {
    await page.keyboard.press('Tab');
    const focused = page.locator(':focus');
    if ((await focused.count()) === 1 && (await focused.evaluate((element, wanted) => (element as unknown as Matchable).matches(wanted), selector))) {
      // the focus can be seen: an outline (or a box shadow) is drawn around it
      const ring = await focused.evaluate((element) => {
        const style = (globalThis as unknown as { getComputedStyle(e: unknown): FocusStyle }).getComputedStyle(element);
        return style.outlineStyle !== 'none' && style.outlineWidth !== '0px' ? style.outlineStyle : style.boxShadow;
      });
      expect(ring).not.toMatch(/^(none|)$/);
      return;
    }
  }
  throw new Error(`Tab never reached ${selector} on ${page.url()}`);
}

maybe('with the keyboard alone', () => {
  beforeAll(async () => {
    stepup = await startStepup();
    rp = await relyingParty(stepup, { firstParty: true });
    chromium = await launchChromium();
  });
  afterAll(async () => {
    await chromium?.close();
    await stepup?.stop();
  });

  test('a first sign-in: password, the choice of an authenticator app, its code, the recovery codes', async () => {
    const person = await createPerson(stepup);
    const context = await chromium.newContext();
    await context.route(`${rp.redirectUri}**`, (route) => route.fulfill({ status: 200, body: 'back at the application' }));
    const page = await context.newPage();
    await page.goto((await rp.authorize()).url);

    await tabTo(page, 'input[name=email]');
    await page.keyboard.type(person.email);
    await tabTo(page, 'input[name=password]');
    await page.keyboard.type(person.password);
    await page.keyboard.press('Enter');

    await page.getByRole('link', { name: 'Authenticator app' }).waitFor();
    await tabTo(page, 'a[href$="/enrol/totp"]');
    await page.keyboard.press('Enter');

    await page.locator('#totp-secret').waitFor();
    const secret = (await page.locator('#totp-secret').textContent())!.replace(/\s/g, '');
    await tabTo(page, 'input[name=code]');
    await page.keyboard.type(await totpCode(stepup, secret));
    await page.keyboard.press('Enter');

    await page.getByRole('heading', { name: 'Save your recovery codes' }).waitFor();
    await tabTo(page, 'a.button');
    const back = page.waitForRequest((request) => request.url().startsWith(rp.redirectUri));
    await page.keyboard.press('Enter');
    expect(new URL((await back).url()).searchParams.get('code')).not.toBeNull();
    stepup.clock.advance(30_000);
    await context.close();
  });
});
