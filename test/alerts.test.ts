import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { localMinute } from '../src/dates.ts';
import { Browser } from './support/browser.ts';
import { enrolThroughSignIn, signIn } from './support/people.ts';
import { type RelyingParty, relyingParty } from './support/relying_party.ts';
import { mimePart } from './support/smtp_capture.ts';
import { type RunningStepup, startMailingStepup, startStepup } from './support/stepup.ts';

let stepup: RunningStepup;
let rp: RelyingParty;

beforeAll(async () => {
  stepup = await startStepup();
  rp = await relyingParty(stepup, { firstParty: true, name: 'Wallet' });
});
afterAll(() => stepup.stop());

/** Alerts mailed to `email`, read from the development outbox. */
async function alertsTo(email: string) {
  // alerts go out after the answer: wait for those still being sent
  await stepup.container.alert.settled();
  const lines = readFileSync(join(stepup.dataDir, 'outbox.jsonl'), 'utf8').trim().split('\n');
  return lines
    .map((line) => JSON.parse(line) as { to: string; subject: string; text: string })
    .filter((m) => m.to === email && m.subject.startsWith('Stepup: '));
}

test('enrolling a second factor mails "factor added", and that first sign-in no new-browser alert', async () => {
  const person = await enrolThroughSignIn(stepup, new Browser(stepup.issuer), (await rp.authorize()).url);
  expect((await alertsTo(person.email)).map((m) => m.subject)).toEqual(['Stepup: A second factor was added to your account']);
  expect((await alertsTo(person.email))[0]!.text).toContain('A second factor (Authenticator app) was added');
});

test('a sign-in from a new browser mails the owner once; the same browser again does not', async () => {
  const person = await enrolThroughSignIn(stepup, new Browser(stepup.issuer), (await rp.authorize()).url);
  const browser = new Browser(stepup.issuer);
  await signIn(stepup, browser, (await rp.authorize({ prompt: 'login' })).url, person);
  const alerts = (await alertsTo(person.email)).filter((m) => m.subject.includes('New sign-in'));
  expect(alerts).toHaveLength(1);
  expect(alerts[0]!.text).toContain('for Wallet from a browser we have not seen before');
  expect(alerts[0]!.text).toMatch(/IP address: \S*127\.0\.0\.1/);

  await signIn(stepup, browser, (await rp.authorize({ prompt: 'login' })).url, person);
  expect((await alertsTo(person.email)).filter((m) => m.subject.includes('New sign-in'))).toHaveLength(1);
});

test('a lockout mails the owner when it unlocks', async () => {
  const person = await enrolThroughSignIn(stepup, new Browser(stepup.issuer), (await rp.authorize()).url);
  for (let i = 0; i < 5; i += 1) {
    const browser = new Browser(stepup.issuer);
    await browser.open((await rp.authorize()).url);
    await browser.submit('/login', { email: person.email, password: 'wrong' });
  }
  const [locked] = (await alertsTo(person.email)).filter((m) => m.subject.includes('locked'));
  // the time in the words of the mail's language (English here)
  const until = await stepup.container.lockout.lockedUntil((await stepup.container.store.accounts.findByEmail(person.email))!.id);
  expect(locked!.text).toContain(`was locked after too many failed attempts to sign in. It unlocks at ${localMinute('en', until!)} UTC.`);
  expect(locked!.text).toMatch(/It unlocks at [A-Z][a-z]{2} \d{1,2}, \d{4}, \d\d:\d\d UTC\./);
  expect(locked!.text).not.toContain('wrong');
  await stepup.container.userAdmin.unlock(person.email);
});

test('using a recovery code mails the owner with the number left', async () => {
  const person = await enrolThroughSignIn(stepup, new Browser(stepup.issuer), (await rp.authorize()).url);
  const browser = new Browser(stepup.issuer);
  await browser.open((await rp.authorize()).url);
  await browser.submit('/login', { email: person.email, password: person.password });
  await browser.open(`${browser.page.url}?method=recovery`);
  await browser.submit('/second-factor', { code: person.recoveryCodes[0]! });
  const [used] = (await alertsTo(person.email)).filter((m) => m.subject.includes('recovery code'));
  expect(used!.text).toContain('You have 9 left.');
  expect(used!.text).not.toContain(person.recoveryCodes[0]!);
});

test('alerts are in the delivery log as alerts', async () => {
  const person = await enrolThroughSignIn(stepup, new Browser(stepup.issuer), (await rp.authorize()).url);
  const account = (await stepup.container.store.accounts.findByEmail(person.email))!;
  await stepup.container.alert.settled();
  const log = await stepup.container.store.deliveries.listForAccount(account.id, 5);
  expect(log).toEqual([expect.objectContaining({ purpose: 'alert', channel: 'email', result: 'sent' })]);
});

describe('a browser with a hostile User-Agent', () => {
  let smtp: Awaited<ReturnType<typeof startMailingStepup>>['smtp'];
  let mailing: RunningStepup;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    ({ smtp, stepup: mailing, stop } = await startMailingStepup());
  });
  afterAll(() => stop());

  test('appears in the "New sign-in" email as text, never as markup', async () => {
    const hostile = '<a href="https://evil.example/secure">This was not me</a><img src="https://evil.example/x.png">';
    const app = await relyingParty(mailing, { firstParty: true, name: 'Wallet' });
    const person = await enrolThroughSignIn(mailing, new Browser(mailing.issuer), (await app.authorize()).url);
    const browser = new Browser(mailing.issuer);
    browser.userAgent = hostile;
    await signIn(mailing, browser, (await app.authorize({ prompt: 'login' })).url, person);

    await mailing.container.alert.settled();
    const mails = smtp.mails.filter((m) => m.to.includes(person.email) && m.raw.includes('New sign-in'));
    expect(mails).toHaveLength(1);
    const html = mimePart(mails[0]!.raw, 'text/html');
    expect(html).not.toContain('<a href="https://evil.example');
    expect(html).not.toContain('<img');
    expect(html).toContain(
      'Browser: &lt;a href=&quot;https://evil.example/secure&quot;&gt;This was not me&lt;/a&gt;&lt;img src=&quot;https://evil.example/x.png&quot;&gt;',
    );
    // the plain-text part is for reading: it shows the header as sent, not entities
    const text = mimePart(mails[0]!.raw, 'text/plain');
    expect(text).toContain(`Browser: ${hostile}`);
    expect(text).not.toContain('&lt;');
  });
});

// last in this file: it moves the clock by years
test('a browser stays known for 400 days after its last sign-in, then is new again', async () => {
  const day = 24 * 60 * 60 * 1000;
  const person = await enrolThroughSignIn(stepup, new Browser(stepup.issuer), (await rp.authorize()).url);
  const browser = new Browser(stepup.issuer);
  const newBrowserAlerts = async () => (await alertsTo(person.email)).filter((m) => m.subject.includes('New sign-in')).length;
  await signIn(stepup, browser, (await rp.authorize({ prompt: 'login' })).url, person);
  expect(await newBrowserAlerts()).toBe(1);

  // a sign-in two days later renews the memory, so 401 days after the first it is still known
  stepup.clock.advance(2 * day);
  await signIn(stepup, browser, (await rp.authorize({ prompt: 'login' })).url, person);
  stepup.clock.advance(399 * day);
  await signIn(stepup, browser, (await rp.authorize({ prompt: 'login' })).url, person);
  expect(await newBrowserAlerts()).toBe(1);

  stepup.clock.advance(401 * day);
  await signIn(stepup, browser, (await rp.authorize({ prompt: 'login' })).url, person);
  expect(await newBrowserAlerts()).toBe(2);
});
