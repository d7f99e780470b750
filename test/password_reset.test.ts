import { Browser } from './support/browser.ts';
import { messagesTo, waitForMessage, waitForMessages } from './support/outbox.ts';
import { type Enrolled, enrolThroughSignIn, nextTimeStep, totpCode } from './support/people.ts';
import { type RelyingParty, relyingParty } from './support/relying_party.ts';
import { type RunningStepup, startStepup } from './support/stepup.ts';

let stepup: RunningStepup;
let rp: RelyingParty;

beforeAll(async () => {
  stepup = await startStepup();
  rp = await relyingParty(stepup, { firstParty: true, name: 'Wallet' });
});
afterAll(() => stepup.stop());

const NEW_PASSWORD = 'a new password nobody guesses';

async function enrolled(): Promise<Enrolled> {
  return enrolThroughSignIn(stepup, new Browser(stepup.issuer), (await rp.authorize()).url);
}

/** Asks for a reset link from the login page of a sign-in to Wallet; answers the page and the link. */
async function askForReset(email: string, browser = new Browser(stepup.issuer)) {
  await browser.open((await rp.authorize()).url);
  const forgot = /href="(\/password-reset\?interaction=[^"]+)"/.exec(browser.page.html)![1]!;
  await browser.open(forgot);
  await browser.submit('/password-reset', { email });
  return browser;
}

const linkIn = (text: string) => /(http:\/\/\S+\/password-reset\/[\w-]+)/.exec(text)![1]!;

test('a known and an unknown email get the same page; only the known one gets a link', async () => {
  const person = await enrolled();
  const known = await askForReset(person.email);
  const unknown = await askForReset('nobody-here@example.com');
  expect(unknown.page.status).toBe(known.page.status);
  expect(unknown.page.html).toBe(known.page.html);
  expect(known.textOf('message')).toContain('If an account uses that email address');

  const mail = await waitForMessage(stepup, person.email, 'reset your password');
  expect(mail.text).toContain('within 30 minutes');
  expect(messagesTo(stepup, 'nobody-here@example.com')).toEqual([]);
  const events = await stepup.container.store.audit.query({ type: 'password_reset', limit: 10 });
  expect(events.map((e) => `${e.email}:${e.result}:${e.detail}`)).toEqual(
    expect.arrayContaining([`${person.email}:ok:link sent`, 'nobody-here@example.com:failed:unknown email']),
  );
  // the link's token is stored only as a keyed hash
  const token = linkIn(mail.text).split('/').at(-1)!;
  expect(await stepup.container.store.records.find('PasswordReset', token)).toBeNull();
});

test('the reset sets the password, ends every session, and signing in still needs the second factor', async () => {
  const person = await enrolled();
  const app = new Browser(stepup.issuer);
  await app.open((await rp.authorize()).url);
  await app.submit('/login', { email: person.email, password: person.password });
  await app.submit('/second-factor', { code: await totpCode(stepup, person.secret) });
  nextTimeStep(stepup);

  const browser = await askForReset(person.email);
  const link = linkIn((await waitForMessage(stepup, person.email, 'reset your password')).text);
  await browser.open(link);
  await browser.submit(link.slice(stepup.issuer.length), { password: 'too short', confirm: 'too short' });
  expect(browser.page.status).toBe(400);
  expect(browser.page.html).toContain('Use at least 15 characters');
  await browser.submit(link.slice(stepup.issuer.length), { password: 'qwerty123456789', confirm: 'qwerty123456789' });
  expect(browser.page.html).toContain('one of the most common passwords');
  // a refused password leaves the link usable
  await browser.submit(link.slice(stepup.issuer.length), { password: NEW_PASSWORD, confirm: NEW_PASSWORD });
  expect(browser.page.status).toBe(200);
  expect(browser.textOf('message')).toContain('you will still be asked for your second factor');
  expect((await stepup.container.checkPassword(person.email, NEW_PASSWORD)).ok).toBe(true);
  await stepup.container.alert.settled();
  expect(messagesTo(stepup, person.email).map((m) => m.subject)).toContain('Stepup: Your password was changed');

  // the earlier session is gone
  const silent = await rp.authorize({ prompt: 'none' });
  await app.open(silent.url);
  expect(app.callbackUrl.searchParams.get('error')).toBe('login_required');

  // "Continue to sign in" returns to the sign-in that asked; the new password leads to the second factor
  const next = /<a class="button" href="([^"]+)"/.exec(browser.page.html)![1]!;
  expect(next).toMatch(/^\/interaction\//);
  await browser.open(next);
  await browser.submit('/login', { email: person.email, password: NEW_PASSWORD });
  expect(browser.page.url).toMatch(/\/second-factor$/);
  await browser.submit('/second-factor', { code: await totpCode(stepup, person.secret) });
  expect(browser.page.url.startsWith(rp.redirectUri)).toBe(true);
});

test('a used link and an expired link do not work', async () => {
  const person = await enrolled();
  const browser = await askForReset(person.email);
  const link = linkIn((await waitForMessage(stepup, person.email, 'reset your password')).text);
  await browser.open(link);
  const form = browser.forms()[0]!;
  await browser.submit(link.slice(stepup.issuer.length), { password: NEW_PASSWORD, confirm: NEW_PASSWORD });
  expect(browser.page.status).toBe(200);

  await browser.open(link);
  expect(browser.page.status).toBe(400);
  expect(browser.page.html).toContain('expired or was already used');
  await browser.post(form.action, { ...form.fields, password: 'yet another long password', confirm: 'yet another long password' });
  expect(browser.page.status).toBe(400);
  expect((await stepup.container.checkPassword(person.email, NEW_PASSWORD)).ok).toBe(true);

  const other = await enrolled();
  await askForReset(other.email);
  const late = linkIn((await waitForMessage(stepup, other.email, 'reset your password')).text);
  stepup.clock.advance(31 * 60_000);
  const lateBrowser = new Browser(stepup.issuer);
  await lateBrowser.open(late);
  expect(lateBrowser.page.status).toBe(400);
  expect((await stepup.container.checkPassword(other.email, other.password)).ok).toBe(true);
});

test('forged forms, unknown tokens and too many requests change nothing', async () => {
  const person = await enrolled();
  const browser = new Browser(stepup.issuer);
  await browser.open('/password-reset');
  await browser.post('/password-reset', { email: person.email, csrf: 'forged' });
  expect(browser.page.status).toBe(403);
  await browser.open('/password-reset/not-a-token');
  expect(browser.page.status).toBe(400);
  await browser.post('/password-reset/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', { password: NEW_PASSWORD, confirm: NEW_PASSWORD, csrf: 'x' });
  expect(browser.page.status).toBe(403);
  await browser.post('/password-reset', { email: [person.email] as unknown as string });
  expect(browser.page.status).toBe(400);
  expect(messagesTo(stepup, person.email).filter((m) => m.subject.includes('reset'))).toEqual([]);

  // three links per account per hour; the fourth request is refused
  for (let i = 0; i < 3; i += 1) expect((await askForReset(person.email)).page.status).toBe(200);
  const fourth = await askForReset(person.email);
  expect(fourth.page.status).toBe(429);
  await waitForMessages(stepup, person.email, 'reset your password', 3);
  await new Promise((resolve) => setTimeout(resolve, 100));
  expect(messagesTo(stepup, person.email).filter((m) => m.subject.includes('reset'))).toHaveLength(3);
  expect((await stepup.container.checkPassword(person.email, person.password)).ok).toBe(true);
});

test('a sign-in waiting for its second factor ends when the password is reset', async () => {
  const person = await enrolled();
  // someone who holds the old password gets as far as the second factor, and waits
  const attacker = new Browser(stepup.issuer);
  await attacker.open((await rp.authorize()).url);
  await attacker.submit('/login', { email: person.email, password: person.password });
  await attacker.open(`${attacker.page.url}?method=recovery`);

  const owner = await askForReset(person.email);
  const link = linkIn((await waitForMessage(stepup, person.email, 'reset your password')).text);
  await owner.open(link);
  await owner.submit(link.slice(stepup.issuer.length), { password: NEW_PASSWORD, confirm: NEW_PASSWORD });

  await attacker.submit('/second-factor', { code: person.recoveryCodes[0]! });
  expect(attacker.page.url.startsWith(stepup.issuer)).toBe(true);
  expect(attacker.page.html).not.toContain('Recovery code');
  const account = (await stepup.container.store.accounts.findByEmail(person.email))!;
  expect(await stepup.container.store.recoveryCodes.countUnused(account.id)).toBe(person.recoveryCodes.length);
});

test('a link dies with the password it was asked for: a change in the account area, or another link, ends it', async () => {
  // a new rate-limit window: the tests above spent this address's requests
  stepup.clock.advance(60 * 60_000);
  const person = await enrolled();
  const early = await askForReset(person.email);
  const link = linkIn((await waitForMessage(stepup, person.email, 'reset your password')).text);
  await early.open(link);

  const account = new Browser(stepup.issuer);
  await account.open('/account');
  await account.submit('/login', { email: person.email, password: person.password });
  await account.submit('/second-factor', { code: await totpCode(stepup, person.secret) });
  nextTimeStep(stepup);
  await account.open('/account/password');
  await account.submit('/account/password', { current: person.password, password: NEW_PASSWORD, confirm: NEW_PASSWORD });
  expect(account.page.html).toContain('Password changed');

  // the form opened before the change no longer sets a password, nor does the link open it again
  await early.submit(link.slice(stepup.issuer.length), { password: 'what the old link would set', confirm: 'what the old link would set' });
  expect(early.page.status).toBe(400);
  expect(early.page.html).toContain('expired or was already used');
  await early.open(link);
  expect(early.page.status).toBe(400);
  expect((await stepup.container.checkPassword(person.email, NEW_PASSWORD)).ok).toBe(true);

  // of two links, the one used first ends the other
  await askForReset(person.email);
  await askForReset(person.email);
  const [first, second] = (await waitForMessages(stepup, person.email, 'reset your password', 3)).slice(1).map((m) => linkIn(m.text));
  const browser = new Browser(stepup.issuer);
  await browser.open(first!);
  await browser.submit(first!.slice(stepup.issuer.length), { password: 'set by the first link', confirm: 'set by the first link' });
  expect(browser.page.status).toBe(200);
  await browser.open(second!);
  expect(browser.page.status).toBe(400);
  expect((await stepup.container.checkPassword(person.email, 'set by the first link')).ok).toBe(true);
});

test('a link dies when the account moves to another email: the old address can no longer set the password', async () => {
  const person = await enrolled();
  const early = await askForReset(person.email);
  const link = linkIn((await waitForMessage(stepup, person.email, 'reset your password')).text);
  await early.open(link);
  expect(early.page.status).toBe(200);

  // the admin moves the account to a new address (`stepup user update --email`)
  const moved = `moved-${person.email}`;
  await stepup.container.userAdmin.update(person.email, { email: moved });

  // the link mailed to the old address neither opens nor sets a password, even from a form opened before
  await early.submit(link.slice(stepup.issuer.length), { password: 'what the old link would set', confirm: 'what the old link would set' });
  expect(early.page.status).toBe(400);
  expect(early.page.html).toContain('This link does not work');
  await early.open(link);
  expect(early.page.status).toBe(400);
  expect(early.page.html).toContain('This link does not work');
  expect((await stepup.container.checkPassword(moved, 'what the old link would set')).ok).toBe(false);
  expect((await stepup.container.checkPassword(moved, person.password)).ok).toBe(true);
});
