import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser as Chromium, Page } from 'playwright-core';
import { Browser } from './support/browser.ts';
import { describeInChromium, launchChromium } from './support/chromium.ts';
import { createPerson, enrolThroughSignIn } from './support/people.ts';
import { type RelyingParty, relyingParty } from './support/relying_party.ts';
import { type RunningStepup, startStepup } from './support/stepup.ts';

/**
 * axe-core's colour-contrast rule (WCAG 2 AA) on the sign-in pages in both colour schemes:
 * the stylesheet declares `color-scheme: light dark`, so every colour it sets must hold in both.
 */
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const maybe = describeInChromium('colour contrast in both schemes');

let stepup: RunningStepup;
let rp: RelyingParty;
let chromium: Chromium;

interface Violation {
  id: string;
  nodes: { target: string[]; failureSummary: string }[];
}

async function contrastViolations(page: Page): Promise<Violation[]> {
  await page.evaluate(axeSource);
  return page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(options: object): Promise<{ violations: Violation[] }> } }).axe;
    const result = await axe.run({ runOnly: { type: 'rule', values: ['color-contrast', 'link-in-text-block'] } });
    return result.violations.map(({ id, nodes }) => ({ id, nodes: nodes.map(({ target, failureSummary }) => ({ target, failureSummary })) }));
  });
}

maybe('colour contrast', () => {
  beforeAll(async () => {
    stepup = await startStepup();
    rp = await relyingParty(stepup, { firstParty: true });
    chromium = await launchChromium();
  });
  afterAll(async () => {
    await chromium?.close();
    await stepup?.stop();
  });

  describe.each(['light', 'dark'] as const)('in the %s scheme', (colorScheme) => {
    test('the login page with its error, the second-factor page with its error, and the enrolment page', async () => {
      const person = await enrolThroughSignIn(stepup, new Browser(stepup.issuer), (await rp.authorize()).url);
      const context = await chromium.newContext({ colorScheme, bypassCSP: true });
      const page = await context.newPage();
      const seen: Record<string, Violation[]> = {};

      await page.goto((await rp.authorize()).url);
      await page.getByLabel('Email').fill(person.email);
      await page.getByLabel('Password').fill('not the password');
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.getByRole('alert').filter({ hasText: /./ }).first().waitFor();
      seen.login = await contrastViolations(page);

      await page.getByLabel('Password').fill(person.password);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.getByLabel('Authenticator app').fill('000000');
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByRole('alert').filter({ hasText: /./ }).first().waitFor();
      seen.secondFactor = await contrastViolations(page);

      const newcomer = await createPerson(stepup);
      const enrolling = await context.newPage();
      await enrolling.goto((await rp.authorize()).url);
      await enrolling.getByLabel('Email').fill(newcomer.email);
      await enrolling.getByLabel('Password').fill(newcomer.password);
      await enrolling.getByRole('button', { name: 'Sign in', exact: true }).click();
      await enrolling.getByRole('heading').first().waitFor();
      seen.enrolment = await contrastViolations(enrolling);

      expect(seen).toEqual({ login: [], secondFactor: [], enrolment: [] });
      await context.close();
    });
  });
});
