import { Browser } from './support/browser.ts';
import { enrolThroughSignIn } from './support/people.ts';
import { relyingParty, type RelyingParty } from './support/relying_party.ts';
import { rawStorage, startStepup, type RunningStepup } from './support/stepup.ts';

let stepup: RunningStepup;
let rp: RelyingParty;

beforeAll(async () => {
  stepup = await startStepup();
  rp = await relyingParty(stepup, { firstParty: true });
});
afterAll(() => stepup.stop());

async function signInWithRecoveryCode(person: { email: string; password: string }, code: string) {
  const browser = new Browser(stepup.issuer);
  const authorization = await rp.authorize();
  await browser.open(authorization.url);
  await browser.submit('/login', { email: person.email, password: person.password });
  await browser.open(`${browser.page.url}?method=recovery`);
  expect(browser.page.html).toContain('<label for="code">Recovery code</label>');
  await browser.submit('/second-factor', { code });
  return { browser, authorization };
}

test('the second-factor page offers the recovery code as another method', async () => {
  const person = await enrolThroughSignIn(stepup, new Browser(stepup.issuer), (await rp.authorize()).url);
  const browser = new Browser(stepup.issuer);
  await browser.open((await rp.authorize()).url);
  await browser.submit('/login', { email: person.email, password: person.password });
  expect(browser.page.html).toMatch(/<a href="[^"]+\?method=recovery">Recovery code<\/a>/);
});

test('a recovery code signs in once, with otp and mfa in amr, and is refused the second time', async () => {
  const person = await enrolThroughSignIn(stepup, new Browser(stepup.issuer), (await rp.authorize()).url);
  const code = person.recoveryCodes[3]!;

  const first = await signInWithRecoveryCode(person, code);
  const tokens = await first.authorization.exchange(first.browser.callbackUrl);
  expect(tokens.claims()!.amr).toEqual(['pwd', 'otp', 'mfa']);
  expect(tokens.claims()!.acr).toBe('urn:stepup:loa:2fa');
  const account = (await stepup.container.store.accounts.findByEmail(person.email))!;
  expect(await stepup.container.store.recoveryCodes.countUnused(account.id)).toBe(9);

  const again = await signInWithRecoveryCode(person, code);
  expect(again.browser.page.status).toBe(401);
  expect(again.browser.page.html).toContain('That code is not valid');
  expect(await stepup.container.store.recoveryCodes.countUnused(account.id)).toBe(9);
});

test('recovery codes may be typed in capitals, with spaces, or without the dash', async () => {
  const person = await enrolThroughSignIn(stepup, new Browser(stepup.issuer), (await rp.authorize()).url);
  const typed = ` ${person.recoveryCodes[0]!.toUpperCase().replace('-', ' ')} `;
  const { browser } = await signInWithRecoveryCode(person, typed);
  expect(browser.callbackUrl.searchParams.get('code')).toBeTruthy();
});

test("another person's recovery code does not work", async () => {
  const alice = await enrolThroughSignIn(stepup, new Browser(stepup.issuer), (await rp.authorize()).url);
  const bob = await enrolThroughSignIn(stepup, new Browser(stepup.issuer), (await rp.authorize()).url);
  const { browser } = await signInWithRecoveryCode(bob, alice.recoveryCodes[0]!);
  expect(browser.page.status).toBe(401);
});

test('recovery codes are stored only as keyed hashes', async () => {
  const person = await enrolThroughSignIn(stepup, new Browser(stepup.issuer), (await rp.authorize()).url);
  const stored = await rawStorage(stepup);
  const found = person.recoveryCodes.flatMap((code) => [code, code.replace('-', '')]).filter((code) => stored.includes(code));
  expect(found).toEqual([]);
});

test('two first enrolments at once issue one set of recovery codes, and it is the set that works', async () => {
  const person = await enrolThroughSignIn(stepup, new Browser(stepup.issuer), (await rp.authorize()).url);
  const account = (await stepup.container.store.accounts.findByEmail(person.email))!;
  await stepup.container.userAdmin.resetSecondFactor(person.email);
  const { secondFactors } = stepup.container;

  const issued = await Promise.all([1, 2].map(() => secondFactors.issueFirstRecoveryCodes(account.id)));
  const shown = issued.filter((codes) => codes.length > 0);
  expect(shown).toHaveLength(1);
  expect(await secondFactors.recoveryCodesLeft(account.id)).toBe(10);
  for (const code of shown[0]!) expect(await secondFactors.useRecoveryCode(account.id, code)).toBe(true);
});

test('two replacements of the recovery codes at once leave the ten of the later one', async () => {
  const person = await enrolThroughSignIn(stepup, new Browser(stepup.issuer), (await rp.authorize()).url);
  const account = (await stepup.container.store.accounts.findByEmail(person.email))!;
  const { secondFactors } = stepup.container;

  const sets = await Promise.all([1, 2, 3].map(() => secondFactors.regenerateRecoveryCodes(account.id)));
  expect(await secondFactors.recoveryCodesLeft(account.id)).toBe(10);
  const working = [];
  for (const set of sets) if (await secondFactors.useRecoveryCode(account.id, set[0]!)) working.push(set);
  expect(working).toHaveLength(1);
});
