import * as oidc from 'openid-client';
import { Browser } from './support/browser.ts';
import { runStepupCli } from './support/cli.ts';
import { latestCode } from './support/outbox.ts';
import { continueFromRecoveryCodes, type Enrolled, enrolThroughSignIn, PASSWORD, resetPasswordByEmail, signIn, totpCode } from './support/people.ts';
import { type RelyingParty, relyingParty } from './support/relying_party.ts';
import { type RunningStepup, startStepup } from './support/stepup.ts';

let stepup: RunningStepup;
let rp: RelyingParty;

beforeAll(async () => {
  stepup = await startStepup();
  rp = await relyingParty(stepup, { firstParty: true, name: 'Proxy' });
});
afterAll(() => stepup.stop());

/** What a relying party reads about the email after `person` signs in with the authenticator app. */
async function emailVerifiedAfterSignIn(person: Enrolled): Promise<unknown> {
  const authorization = await rp.authorize();
  const browser = new Browser(stepup.issuer);
  await signIn(stepup, browser, authorization.url, person);
  const tokens = await authorization.exchange(browser.callbackUrl);
  const userinfo = await oidc.fetchUserInfo(rp.config, tokens.access_token, tokens.claims()!.sub);
  return userinfo.email_verified;
}

const cliEnv = () => ({ DATA_DIR: stepup.dataDir, ...(stepup.container.config.mongodbUri ? { MONGODB_URI: stepup.container.config.mongodbUri } : {}) });

test('an authenticator-app user who opens a password-reset link has a verified email from then on', async () => {
  const person = await enrolThroughSignIn(stepup, new Browser(stepup.issuer), (await rp.authorize()).url);
  expect(await emailVerifiedAfterSignIn(person)).toBe(false);

  const password = 'a brand new password for the proxy';
  expect(await resetPasswordByEmail(stepup, person.email, password)).toBe(200);

  expect(await emailVerifiedAfterSignIn({ ...person, password })).toBe(true);
});

test('an email proven by a code at enrolment stays verified once the email factor is gone', async () => {
  const email = `coded-${Date.now()}@example.com`;
  await stepup.container.userAdmin.add({ email, password: PASSWORD });
  const browser = new Browser(stepup.issuer);
  await browser.open((await rp.authorize()).url);
  await browser.submit('/login', { email, password: PASSWORD });
  await browser.open(browser.page.url.replace(/\/enrol$/, '/enrol/email'));
  await browser.submit('/enrol/email', { target: email });
  await browser.submit('/enrol/email/confirm', { code: latestCode(stepup, email) });
  await continueFromRecoveryCodes(browser);

  const account = (await stepup.container.store.accounts.findByEmail(email))!;
  expect(account.emailVerified).toBe(true);
  // the email factor goes (an admin resets the second factor); the proof stays with the account
  await stepup.container.userAdmin.resetSecondFactor(email);
  expect(await stepup.container.store.factors.listForAccount(account.id)).toEqual([]);
  expect((await stepup.container.store.accounts.findById(account.id))!.emailVerified).toBe(true);
});

test('an admin vouches with --email-verified; a new email is unverified until vouched for or proven', async () => {
  const email = `vouched-${Date.now()}@example.com`;
  const added = runStepupCli(cliEnv(), ['user', 'add', '--email', email, '--email-verified', '--password-stdin', '--json'], PASSWORD);
  expect(added.code).toBe(0);
  expect(JSON.parse(added.stdout)).toMatchObject({ email, email_verified: true });

  // this person enrols an authenticator app and never proves the email: the admin's word counts
  const authorization = await rp.authorize();
  const browser = new Browser(stepup.issuer);
  await browser.open(authorization.url);
  await browser.submit('/login', { email, password: PASSWORD });
  await browser.open(browser.page.url.replace(/\/enrol$/, '/enrol/totp'));
  await browser.submit('/enrol/totp', { code: await totpCode(stepup, browser.textOf('totp-secret')!) });
  await continueFromRecoveryCodes(browser);
  const tokens = await authorization.exchange(browser.callbackUrl);
  expect(await oidc.fetchUserInfo(rp.config, tokens.access_token, tokens.claims()!.sub)).toMatchObject({ email, email_verified: true });

  const moved = runStepupCli(cliEnv(), ['user', 'update', email, '--new-email', `moved-${email}`, '--json']);
  expect(JSON.parse(moved.stdout)).toMatchObject({ email: `moved-${email}`, email_verified: false });
  const vouched = await stepup.container.userAdmin.update(`moved-${email}`, { emailVerified: true });
  expect(vouched.emailVerified).toBe(true);
});
