import type { Browser as Chromium } from 'playwright-core';
import { Browser } from './support/browser.ts';
import { describeInChromium, launchChromium } from './support/chromium.ts';
import { latestCode } from './support/outbox.ts';
import { continueFromRecoveryCodes, createPerson, totpCode } from './support/people.ts';
import { type RelyingParty, relyingParty } from './support/relying_party.ts';
import { type RunningStepup, startStepup } from './support/stepup.ts';

// An enrolment secret or code belongs to the one sign-in (or account-area session) that
// asked for it: someone who knows only the password cannot plant a factor for the owner.

let stepup: RunningStepup;
let rp: RelyingParty;

beforeAll(async () => {
  stepup = await startStepup();
  rp = await relyingParty(stepup, { firstParty: true });
});
afterAll(() => stepup.stop());

/** A browser that has passed the password of `email` and stands on the TOTP enrolment page. */
async function atTotpEnrolment(email: string, password: string, browser = new Browser(stepup.issuer)) {
  await browser.open((await rp.authorize()).url);
  await browser.submit('/login', { email, password });
  await browser.open(browser.page.url.replace(/\/enrol$/, '/enrol/totp'));
  return { browser, secret: browser.textOf('totp-secret')! };
}

const accountOf = async (email: string) => (await stepup.container.store.accounts.findByEmail(email))!;
const confirmedFactors = async (email: string) => stepup.container.secondFactors.confirmedFactors((await accountOf(email)).id);

test('a key seen by someone with only the password is never the one the owner enrols', async () => {
  const person = await createPerson(stepup);
  const attacker = await atTotpEnrolment(person.email, person.password);
  expect(attacker.secret).toMatch(/^[A-Z2-7]{16,}$/);

  const owner = await atTotpEnrolment(person.email, person.password);
  expect(owner.secret).not.toBe(attacker.secret);
  await owner.browser.submit('/enrol/totp', { code: await totpCode(stepup, owner.secret) });
  await continueFromRecoveryCodes(owner.browser);
  expect(owner.browser.page.url.startsWith(rp.redirectUri)).toBe(true);

  // the attacker's key confirms nothing, and signs in to nothing
  stepup.clock.advance(30_000);
  await attacker.browser.submit('/enrol/totp', { code: await totpCode(stepup, attacker.secret) });
  expect(attacker.browser.page.url.startsWith(rp.redirectUri)).toBe(false);
  const again = new Browser(stepup.issuer);
  await again.open((await rp.authorize()).url);
  await again.submit('/login', person);
  await again.submit('/second-factor', { code: await totpCode(stepup, attacker.secret) });
  expect(again.page.status).toBe(401);
  expect(await confirmedFactors(person.email)).toHaveLength(1);
});

test('a key left pending at sign-in is not the one shown later in the account area', async () => {
  const person = await createPerson(stepup);
  const attacker = await atTotpEnrolment(person.email, person.password);

  // the owner proves their email at sign-in, then adds an authenticator app at /account
  const owner = new Browser(stepup.issuer);
  await owner.open(`${stepup.issuer}/account`);
  await owner.submit('/login', person);
  await owner.open(owner.page.url.replace(/\/enrol$/, '/enrol/email'));
  await owner.submit('/enrol/email', { target: person.email });
  await owner.submit('/enrol/email/confirm', { code: latestCode(stepup, person.email) });
  await continueFromRecoveryCodes(owner);
  await owner.open('/account/enrol/totp');
  const shown = owner.textOf('totp-secret')!;
  expect(shown).toMatch(/^[A-Z2-7]{16,}$/);
  expect(shown).not.toBe(attacker.secret);
  // a wrong code shows the same page's key again, never another session's
  await owner.submit('/account/enrol/totp', { code: '000000' });
  expect(owner.page.status).toBe(401);
  expect(owner.textOf('totp-secret')).toBe(shown);
});

test('an address being proven in one sign-in is neither shown nor confirmable in another', async () => {
  const person = await createPerson(stepup);
  const attacker = new Browser(stepup.issuer);
  await attacker.open((await rp.authorize()).url);
  await attacker.submit('/login', person);
  await attacker.open(attacker.page.url.replace(/\/enrol$/, '/enrol/email'));
  await attacker.submit('/enrol/email', { target: 'attacker@evil.example' });
  expect(attacker.textOf('code-sent')).toContain('evil.example');
  const attackerCode = latestCode(stepup, 'attacker@evil.example');

  const owner = new Browser(stepup.issuer);
  await owner.open((await rp.authorize()).url);
  await owner.submit('/login', person);
  await owner.open(owner.page.url.replace(/\/enrol$/, '/enrol/email'));
  expect(owner.page.html).not.toContain('evil.example');
  // the attacker's code means nothing in the owner's sign-in
  const csrf = owner.forms().find((f) => f.fields.csrf)!.fields.csrf!;
  await owner.post(`${new URL(owner.page.url).pathname}/confirm`, { code: attackerCode, csrf });
  expect(owner.page.status).toBe(401);
  expect(await confirmedFactors(person.email)).toHaveLength(0);
});

test.each([
  ['an admin resets the second factor', (email: string) => stepup.container.userAdmin.resetSecondFactor(email)],
  ['an admin signs the person out everywhere', (email: string) => stepup.container.userAdmin.revokeSessions(email)],
])('a pending enrolment ends when %s', async (_, end) => {
  const person = await createPerson(stepup);
  const attacker = await atTotpEnrolment(person.email, person.password);
  await end(person.email);
  await attacker.browser.submit('/enrol/totp', { code: await totpCode(stepup, attacker.secret) });
  expect(attacker.browser.page.url.startsWith(rp.redirectUri)).toBe(false);
  expect(await confirmedFactors(person.email)).toHaveLength(0);
  // nothing of the account's was left behind to end
  expect((await stepup.container.userAdmin.revokeSessions(person.email)).revoked).toBe(0);
});

describeInChromium('planting a key, in Chromium')('in two browser contexts', () => {
  let chromium: Chromium;
  beforeAll(async () => {
    chromium = await launchChromium();
  });
  afterAll(() => chromium?.close());

  async function enrolmentKeyIn(context: Awaited<ReturnType<Chromium['newContext']>>, email: string, password: string) {
    const page = await context.newPage();
    await page.route(`${rp.redirectUri}**`, (route) => route.fulfill({ status: 200, body: 'signed in' }));
    await page.goto((await rp.authorize()).url);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('link', { name: 'Authenticator app' }).click();
    await page.getByRole('heading', { name: 'Set up your authenticator app' }).waitFor();
    return { page, secret: (await page.locator('#totp-secret').textContent())!.trim() };
  }

  test('the owner is shown a different key from the one the attacker copied, and only theirs works', async () => {
    const person = await createPerson(stepup);
    const attacker = await enrolmentKeyIn(await chromium.newContext(), person.email, person.password);
    await attacker.page.close(); // abandoned

    const owner = await enrolmentKeyIn(await chromium.newContext(), person.email, person.password);
    expect(owner.secret).not.toBe(attacker.secret);
    await owner.page.getByLabel('Code shown in the app').fill(await totpCode(stepup, owner.secret));
    await owner.page.getByRole('button', { name: 'Confirm' }).click();
    await owner.page.getByRole('heading', { name: /recovery codes/i }).waitFor();
    const [factor] = await confirmedFactors(person.email);
    expect(stepup.container.cipher.decrypt(factor!.secretCiphertext!)).toBe(owner.secret);
  });
});
