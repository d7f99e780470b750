import * as oidc from 'openid-client';
import { noRequest } from '../src/audit/audit.ts';
import { Browser } from './support/browser.ts';
import { latestCode, messagesTo } from './support/outbox.ts';
import { continueFromRecoveryCodes, type Enrolled, enrolThroughSignIn, nextTimeStep, totpCode } from './support/people.ts';
import { type RelyingParty, relyingParty } from './support/relying_party.ts';
import { type RunningStepup, startStepup } from './support/stepup.ts';

let stepup: RunningStepup;
let rp: RelyingParty;

beforeAll(async () => {
  stepup = await startStepup();
  rp = await relyingParty(stepup, { firstParty: true, name: 'Wallet' });
});
afterAll(() => stepup.stop());

const FRESH_MS = 300_000;

/** A person enrolled through the account area itself, and a browser on its overview. */
async function enrolledAtAccount(): Promise<{ person: Enrolled; browser: Browser }> {
  const browser = new Browser(stepup.issuer);
  const person = await enrolThroughSignIn(stepup, browser, `${stepup.issuer}/account`);
  return { person, browser };
}

/** Password and a TOTP code, from a browser that has no session. */
async function signInToAccount(person: Enrolled, browser = new Browser(stepup.issuer)) {
  await browser.open('/account');
  await browser.submit('/login', { email: person.email, password: person.password });
  await browser.submit('/second-factor', { code: await totpCode(stepup, person.secret) });
  nextTimeStep(stepup);
  return browser;
}

const factorIds = (browser: Browser) => [...browser.page.html.matchAll(/action="\/account\/factors\/([^/]+)\/remove"/g)].map((m) => m[1]!);
/** Subjects of the mail to the person; alerts go out after the answer, so those still being sent are waited for. */
const subjects = async (person: Enrolled) => {
  await stepup.container.alert.settled();
  return messagesTo(stepup, person.email).map((m) => m.subject);
};
const auditOf = (person: Enrolled) => stepup.container.store.audit.query({ email: person.email, limit: 100 });

test('the account area is reached by signing in with the password and the second factor', async () => {
  const { person } = await enrolledAtAccount();
  const browser = new Browser(stepup.issuer);
  await browser.open('/account');
  expect(browser.page.url).toMatch(/\/interaction\/[^/]+$/);
  expect(browser.page.html).toContain('name="password"');
  await browser.submit('/login', { email: person.email, password: person.password });
  expect(browser.page.url).toMatch(/\/second-factor$/);
  await browser.submit('/second-factor', { code: await totpCode(stepup, person.secret) });

  expect(browser.page.url).toBe(`${stepup.issuer}/account`);
  expect(browser.textOf('account-email')).toBe(person.email);
  expect(browser.textOf('factors')).toContain('Authenticator app');
  expect(browser.textOf('recovery-codes-left')).toBe('You have 10 recovery codes left.');
  // no consent page for Stepup's own client, and the login was audited under it
  expect((await auditOf(person)).some((e) => e.type === 'code_ok' && e.clientId === 'stepup-account')).toBe(true);
});

test('a lost phone: a recovery code signs in, a new authenticator is added, the old one removed, the new one signs in', async () => {
  const { person } = await enrolledAtAccount();
  const browser = new Browser(stepup.issuer);
  await browser.open('/account');
  await browser.submit('/login', { email: person.email, password: person.password });
  await browser.open(`${browser.page.url}?method=recovery`);
  await browser.submit('/second-factor', { code: person.recoveryCodes[0]! });
  expect(browser.page.url).toBe(`${stepup.issuer}/account`);
  expect(factorIds(browser)).toHaveLength(0); // the only factor has no remove button

  await browser.open('/account/enrol/totp');
  const newSecret = browser.textOf('totp-secret')!;
  expect(newSecret).not.toBe(person.secret);
  await browser.submit('/account/enrol/totp', { code: await totpCode(stepup, newSecret) });
  expect(browser.page.url).toBe(`${stepup.issuer}/account?done=factor-added`);
  expect(factorIds(browser)).toHaveLength(2);

  // the old factor is the one created first
  const factors = await stepup.container.secondFactors.confirmedFactors((await stepup.container.store.accounts.findByEmail(person.email))!.id);
  const old = factors.find((f) => f.createdAt === Math.min(...factors.map((x) => x.createdAt)))!;
  await browser.submit(`/account/factors/${old.id}/remove`);
  expect(browser.page.url).toBe(`${stepup.issuer}/account?done=factor-removed`);
  expect(factorIds(browser)).toHaveLength(0);

  nextTimeStep(stepup);
  const moved = { ...person, secret: newSecret };
  const again = await signInToAccount(moved);
  expect(again.page.url).toBe(`${stepup.issuer}/account`);
  // the old phone's app no longer works
  const other = new Browser(stepup.issuer);
  await other.open('/account');
  await other.submit('/login', { email: person.email, password: person.password });
  await other.submit('/second-factor', { code: await totpCode(stepup, person.secret) });
  expect(other.page.status).toBe(401);

  expect(await subjects(person)).toEqual(
    expect.arrayContaining([
      'Stepup: A recovery code was used',
      'Stepup: A second factor was added to your account',
      'Stepup: A second factor was removed from your account',
    ]),
  );
  const changes = (await auditOf(person)).map((e) => `${e.type}:${e.detail}`);
  expect(changes).toEqual(expect.arrayContaining(['enrolment:added in the account area', 'account_change:second factor removed: Authenticator app']));
});

test('the last second factor cannot be removed', async () => {
  const { person, browser } = await enrolledAtAccount();
  const accountId = (await stepup.container.store.accounts.findByEmail(person.email))!.id;
  const [only] = await stepup.container.secondFactors.confirmedFactors(accountId);
  const csrf = browser.forms().find((f) => f.action === '/account/recovery-codes')!.fields.csrf!;
  await browser.post(`/account/factors/${only!.id}/remove`, { csrf });
  expect(browser.page.status).toBe(409);
  expect(browser.page.html).toContain('This is your only second factor');
  expect(await stepup.container.secondFactors.confirmedFactors(accountId)).toHaveLength(1);
});

test("two removals at once of an account's only two factors leave one", async () => {
  const { person } = await enrolledAtAccount();
  // a second factor beside the app: the email, made one by an admin
  await stepup.container.userAdmin.update(person.email, { emailCode: true });
  const account = (await stepup.container.store.accounts.findByEmail(person.email))!;
  const both = await stepup.container.secondFactors.confirmedFactors(account.id);
  expect(both).toHaveLength(2);

  const outcomes = await Promise.all(both.map((f) => stepup.container.selfService.removeFactor(account, f.id, noRequest)));
  // one transaction after the other: the second finds the last factor left and refuses
  expect(outcomes.sort()).toEqual(['last', 'removed']);
  expect(await stepup.container.secondFactors.confirmedFactors(account.id)).toHaveLength(1);
  expect((await auditOf(person)).map((e) => e.detail)).toContain('last second factor not removed');
  const [left] = await stepup.container.secondFactors.confirmedFactors(account.id);
  expect(await stepup.container.selfService.removeFactor(account, left!.id, noRequest)).toBe('last');
});

test('a change with a stale second factor asks for the second factor again, never the password', async () => {
  const { person, browser } = await enrolledAtAccount();
  stepup.clock.advance(FRESH_MS + 30_000);
  const before = browser.visited.length;
  await browser.open('/account/enrol/totp');
  expect(browser.page.url).toMatch(/\/second-factor$/);
  expect(browser.page.html).not.toContain('name="password"');
  await browser.submit('/second-factor', { code: await totpCode(stepup, person.secret) });
  expect(browser.page.url).toBe(`${stepup.issuer}/account/enrol/totp`);
  expect(browser.visited.slice(before).some((url) => url.endsWith('/login'))).toBe(false);
  expect(browser.textOf('totp-secret')).toBeTruthy();

  // a stale form post is not carried out: the person re-verifies and lands on the overview
  stepup.clock.advance(FRESH_MS + 30_000);
  const accountId = (await stepup.container.store.accounts.findByEmail(person.email))!.id;
  const csrf = browser.forms().find((f) => f.action === '/account/enrol/totp')!.fields.csrf!;
  await browser.post('/account/recovery-codes', { csrf });
  expect(browser.page.url).toMatch(/\/second-factor$/);
  expect(await stepup.container.secondFactors.recoveryCodesLeft(accountId)).toBe(10);
  expect((await auditOf(person)).some((e) => e.detail === 'recovery codes replaced')).toBe(false);
});

test("a session from before the second factor's time was kept opens the account area; a change asks for the second factor", async () => {
  const browser = new Browser(stepup.issuer);
  const person = await enrolThroughSignIn(stepup, browser, (await rp.authorize()).url);
  const sessionId = /(?:^|; )_session=([^;]+)/.exec(browser.cookieHeader())![1]!;
  const stored = (await stepup.container.store.records.find('Session', sessionId))!;
  const { secondFactorTs, ...older } = stored.payload;
  expect(secondFactorTs).toEqual(expect.any(Number));
  // written back as an older version stored it: no surface makes a session without the time
  await stepup.container.store.records.upsert('Session', sessionId, older, stored.expiresAt, { uid: String(older.uid), accountId: String(older.accountId) });

  await browser.open('/account');
  expect(browser.page.url).toBe(`${stepup.issuer}/account`);
  await browser.open('/account/enrol/totp');
  expect(browser.page.url).toMatch(/\/second-factor$/);
  await browser.submit('/second-factor', { code: await totpCode(stepup, person.secret) });
  expect(browser.page.url).toBe(`${stepup.issuer}/account/enrol/totp`);
});

test('new recovery codes replace the old ones, are shown once, and the owner is told', async () => {
  const { person, browser } = await enrolledAtAccount();
  await browser.submit('/account/recovery-codes');
  const fresh = [...browser.page.html.matchAll(/<li><code>([^<]+)<\/code><\/li>/g)].map((m) => m[1]!);
  expect(fresh).toHaveLength(10);
  expect(fresh).not.toContain(person.recoveryCodes[0]);
  expect(await subjects(person)).toContain('Stepup: Your recovery codes were replaced');

  const accountId = (await stepup.container.store.accounts.findByEmail(person.email))!.id;
  expect(await stepup.container.secondFactors.useRecoveryCode(accountId, person.recoveryCodes[0]!)).toBe(false);
  expect(await stepup.container.secondFactors.useRecoveryCode(accountId, fresh[0]!)).toBe(true);
  await continueFromRecoveryCodes(browser);
  expect(browser.textOf('recovery-codes-left')).toBe('You have 9 recovery codes left.');
});

test('a phone is added with an SMS code; a wrong code adds nothing', async () => {
  const { person, browser } = await enrolledAtAccount();
  await browser.open('/account/enrol/sms');
  await browser.submit('/account/enrol/sms', { target: 'not a number' });
  expect(browser.page.status).toBe(400);
  await browser.submit('/account/enrol/sms', { target: '+15550001111' });
  expect(browser.textOf('code-sent')).toContain('1111');
  await browser.submit('/account/enrol/sms/confirm', { code: '000000' === latestCode(stepup, '+15550001111') ? '111111' : '000000' });
  expect(browser.page.status).toBe(401);
  await browser.submit('/account/enrol/sms/confirm', { code: latestCode(stepup, '+15550001111') });
  expect(browser.page.url).toBe(`${stepup.issuer}/account?done=factor-added`);
  expect(browser.textOf('factors')).toContain('SMS code — +15550001111');
  expect((await auditOf(person)).some((e) => e.type === 'code_sent' && e.channel === 'sms' && e.clientId === 'stepup-account')).toBe(true);
});

test('recent activity lists sign-ins with app, method, browser and IP, failures marked', async () => {
  const { person } = await enrolledAtAccount();
  const wallet = new Browser(stepup.issuer);
  await wallet.open((await rp.authorize()).url);
  await wallet.submit('/login', { email: person.email, password: 'not the password' });
  await wallet.submit('/login', { email: person.email, password: person.password });
  await wallet.submit('/second-factor', { code: await totpCode(stepup, person.secret) });
  nextTimeStep(stepup);

  const browser = await signInToAccount(person);
  await browser.open('/account/activity');
  const table = browser.textOf('activity')!;
  expect(table).toContain('Wallet');
  expect(table).toContain('Sign-in refused at the password (failed)');
  expect(table).toContain('Second factor accepted');
  expect(table).toContain('Authenticator app');
  expect(table).toContain('127.0.0.1');
  expect(table).toContain('Stepup account');
});

test('sign out everywhere ends sessions, refresh tokens and the account area itself', async () => {
  const { person } = await enrolledAtAccount();
  const app = new Browser(stepup.issuer);
  const authorization = await rp.authorize({ scope: 'openid offline_access', prompt: 'consent' });
  await app.open(authorization.url);
  await app.submit('/login', { email: person.email, password: person.password });
  await app.submit('/second-factor', { code: await totpCode(stepup, person.secret) });
  nextTimeStep(stepup);
  const tokens = await authorization.exchange(app.callbackUrl);

  const browser = await signInToAccount(person);
  await browser.submit('/account/sign-out-everywhere');
  expect(browser.textOf('message')).toContain('signed out');
  await expect(oidc.refreshTokenGrant(rp.config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  const silent = await rp.authorize({ prompt: 'none' });
  await app.open(silent.url);
  expect(app.callbackUrl.searchParams.get('error')).toBe('login_required');
  await browser.open('/account');
  expect(browser.page.html).toContain('name="password"');
});

describe('password change', () => {
  test('needs the current password, refuses short and common passwords, then works', async () => {
    const { person, browser } = await enrolledAtAccount();
    await browser.open('/account/password');
    const change = (fields: Record<string, string>) => browser.submit('/account/password', fields);

    await change({ current: 'wrong password', password: 'a brand new long passphrase', confirm: 'a brand new long passphrase' });
    expect(browser.page.status).toBe(400);
    expect(browser.page.html).toContain('The current password is not correct.');
    await change({ current: person.password, password: 'short one', confirm: 'short one' });
    expect(browser.page.html).toContain('Use at least 15 characters');
    await change({ current: person.password, password: 'qwerty123456789', confirm: 'qwerty123456789' });
    expect(browser.page.html).toContain('one of the most common passwords');
    await change({ current: person.password, password: 'a brand new long passphrase', confirm: 'a different long passphrase' });
    expect(browser.page.html).toContain('not the same');
    const account = (await stepup.container.store.accounts.findByEmail(person.email))!;
    expect((await stepup.container.checkPassword(person.email, person.password)).ok).toBe(true);

    // another browser signed in with the old password, and one waiting for its second factor
    const other = await signInToAccount(person);
    const waiting = new Browser(stepup.issuer);
    await waiting.open((await rp.authorize()).url);
    await waiting.submit('/login', { email: person.email, password: person.password });
    expect(waiting.page.url).toMatch(/\/second-factor$/);

    await change({ current: person.password, password: 'a brand new long passphrase', confirm: 'a brand new long passphrase' });
    expect(browser.page.html).toContain('Password changed');
    // every session ends, this one and the other browser's, and the waiting sign-in too
    for (const signedOut of [browser, other]) {
      await signedOut.open('/account');
      expect(signedOut.page.html).toContain('name="password"');
    }
    await waiting.submit('/second-factor', { code: await totpCode(stepup, person.secret) });
    expect(waiting.page.url.startsWith(rp.redirectUri)).toBe(false);
    expect((await stepup.container.checkPassword(person.email, person.password)).ok).toBe(false);
    expect((await stepup.container.checkPassword(person.email, 'a brand new long passphrase')).ok).toBe(true);
    expect(await subjects(person)).toContain('Stepup: Your password was changed');
    const events = (await auditOf(person)).filter((e) => e.type === 'account_change');
    expect(events.map((e) => `${e.result}:${e.detail}`)).toEqual([
      expect.stringMatching(/^ok:password changed; \d+ sessions and tokens ended$/),
      'failed:password not changed: wrong_password',
    ]);
    expect(account.passwordHash).not.toBe((await stepup.container.store.accounts.findByEmail(person.email))!.passwordHash);
  });
});

describe('refusals', () => {
  test('a form without its CSRF token changes nothing', async () => {
    const { person, browser } = await enrolledAtAccount();
    await browser.post('/account/recovery-codes', { csrf: 'forged' });
    expect(browser.page.status).toBe(403);
    await browser.post('/account/sign-out-everywhere', {});
    expect(browser.page.status).toBe(400);
    const accountId = (await stepup.container.store.accounts.findByEmail(person.email))!.id;
    expect(await stepup.container.secondFactors.recoveryCodesLeft(accountId)).toBe(10);
    await browser.open('/account');
    expect(browser.textOf('account-email')).toBe(person.email);
  });

  /** Signs in to /account but stops before the callback: its URL and the browser's cookies. */
  async function stopAtCallback() {
    const { person } = await enrolledAtAccount();
    const browser = new Browser(stepup.issuer);
    await browser.open('/account');
    await browser.submit('/login', { email: person.email, password: person.password });
    const form = browser.forms().find((f) => f.action.endsWith('/second-factor'))!;
    let response = await fetch(new URL(form.action, stepup.issuer), {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: browser.cookieHeader(), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...form.fields, code: await totpCode(stepup, person.secret) }),
    });
    nextTimeStep(stepup);
    response = await fetch(new URL(response.headers.get('location')!, stepup.issuer), { redirect: 'manual', headers: { cookie: browser.cookieHeader() } });
    const callback = new URL(response.headers.get('location')!, stepup.issuer);
    expect(callback.pathname).toBe('/account/callback');
    return { callback, cookie: browser.cookieHeader() };
  }

  test('a callback with a forged state or without the sign-in cookie is refused', async () => {
    const { callback, cookie } = await stopAtCallback();
    const forged = new URL(callback);
    forged.searchParams.set('state', 'forged');
    const refused = await fetch(forged, { redirect: 'manual', headers: { cookie } });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('did not finish or has expired');
    expect((await fetch(callback, { redirect: 'manual' })).status).toBe(400);
    expect((await fetch(new URL('/account/callback?code=abc&state=def', stepup.issuer), { redirect: 'manual', headers: { cookie } })).status).toBe(400);
  });

  test('the same callback twice at once: the code is spent by exactly one', async () => {
    const { callback, cookie } = await stopAtCallback();
    const both = await Promise.all([0, 1].map(() => fetch(callback, { redirect: 'manual', headers: { cookie } })));
    expect(both.map((r) => r.status).sort()).toEqual([303, 400]);
    expect(both.find((r) => r.status === 303)!.headers.get('location')).toBe('/account');
  });

  test('mfa_max_age must be a whole number of seconds', async () => {
    const browser = new Browser(stepup.issuer);
    await browser.open((await rp.authorize({ mfa_max_age: 'soon' })).url);
    expect(browser.callbackUrl.searchParams.get('error')).toBe('invalid_request');
  });
});
