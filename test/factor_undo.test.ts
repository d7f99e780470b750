import * as oidc from 'openid-client';
import { noRequest } from '../src/audit/audit.ts';
import { createCsrf } from '../src/security/csrf.ts';
import { Browser } from './support/browser.ts';
import { messagesTo, waitForMessages } from './support/outbox.ts';
import { type Enrolled, enrolThroughSignIn, nextTimeStep, signIn, totpCode } from './support/people.ts';
import { plantedPasskey } from './support/planted_passkey.ts';
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

const ADDED = 'A second factor was added to your account';
const undoLinkIn = (text: string) => /(http:\/\/\S+\/account\/undo-factor\?token=[\w-]+)/.exec(text)?.[1];
/** The undo links of the "factor added" alerts to `email`, oldest first, once there are `count`. */
const undoLinks = async (email: string, count = 1) => (await waitForMessages(stepup, email, ADDED, count)).map((m) => undoLinkIn(m.text)!);
const accountOf = async (person: Enrolled) => (await stepup.container.store.accounts.findByEmail(person.email))!;
const factorsOf = async (person: Enrolled) => stepup.container.secondFactors.confirmedFactors((await accountOf(person)).id);
/** A form post as another site would make it: the undo page's form token must be computed, not read. */
const csrfFor = (token: string) => createCsrf(stepup.container.cipher.hashKey).tokenFor(`undo-factor:${token}`);
const tokenOf = (link: string) => new URL(link).searchParams.get('token')!;

async function expectNoLongerWorks(browser: Browser) {
  expect(browser.page.status).toBe(400);
  expect(browser.page.html).toContain('This link no longer works');
  expect(browser.page.html).toContain('Nothing was changed');
}

test('enrolling an authenticator app at sign-in mails "factor added" with a link that removes it, and the password reset page', async () => {
  const person = await enrolThroughSignIn(stepup, new Browser(stepup.issuer), (await rp.authorize()).url);
  const [mail] = await waitForMessages(stepup, person.email, ADDED);
  expect(mail!.text).toContain('A second factor (Authenticator app) was added');
  const link = undoLinkIn(mail!.text);
  expect(link).toMatch(new RegExp(`^${stepup.issuer}/account/undo-factor\\?token=[\\w-]{43}$`));
  expect(mail!.text).toContain('works once, for 7 days');
  expect(mail!.text).toContain(`choose a new one at ${stepup.issuer}/password-reset `);
  // the token is stored only as a keyed hash
  expect(await stepup.container.store.records.find('FactorUndo', tokenOf(link!))).toBeNull();
});

test('opening the link removes nothing; its button removes exactly that factor, ends every session, is audited and mailed', async () => {
  // the owner signs in to the account area, where an authenticator app is added (by a relay, say)
  const browser = new Browser(stepup.issuer);
  const person = await enrolThroughSignIn(stepup, browser, `${stepup.issuer}/account`);
  await browser.open('/account/enrol/totp');
  const relaySecret = browser.textOf('totp-secret')!;
  await browser.submit('/account/enrol/totp', { code: await totpCode(stepup, relaySecret) });
  nextTimeStep(stepup);
  const [owners, relays] = await factorsOf(person).then((all) => [...all].sort((a, b) => a.createdAt - b.createdAt));
  expect(relays).toBeDefined();
  const link = (await undoLinks(person.email, 2))[1]!;

  // an application holds a refresh token
  const app = new Browser(stepup.issuer);
  const authorization = await rp.authorize({ scope: 'openid offline_access', prompt: 'consent' });
  await app.open(authorization.url);
  await app.submit('/login', { email: person.email, password: person.password });
  await app.submit('/second-factor', { code: await totpCode(stepup, person.secret) });
  nextTimeStep(stepup);
  const tokens = await authorization.exchange(app.callbackUrl);
  await expect(oidc.refreshTokenGrant(rp.config, tokens.refresh_token!)).resolves.toHaveProperty('access_token');

  // a mail scanner, or the owner, opens the link: a page naming the factor, nothing removed
  const owner = new Browser(stepup.issuer);
  await owner.open(link);
  expect(owner.page.status).toBe(200);
  expect(owner.page.html).toContain('Remove this second factor?');
  expect(owner.textOf('factor')).toBe(`Authenticator app, on the account ${person.email}.`);
  expect((await factorsOf(person)).map((f) => f.id).sort()).toEqual([owners!.id, relays!.id].sort());
  const form = owner.forms().find((f) => f.action === '/account/undo-factor')!;

  await owner.submit('/account/undo-factor');
  expect(owner.page.status).toBe(200);
  expect(owner.page.html).toContain('The second factor is removed');
  expect(owner.textOf('message')).toContain('every session of your account is signed out');
  expect(owner.page.html).toContain('href="/password-reset"');
  expect((await factorsOf(person)).map((f) => f.id)).toEqual([owners!.id]);
  // the app added brought no recovery codes: the owner's stay
  expect(await stepup.container.store.recoveryCodes.countUnused((await accountOf(person)).id)).toBe(10);

  // every session and token of the account is gone
  await expect(oidc.refreshTokenGrant(rp.config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  await browser.open('/account');
  expect(browser.page.html).toContain('name="password"');

  await stepup.container.alert.settled();
  const removed = messagesTo(stepup, person.email).filter((m) => m.subject.includes('was removed'));
  expect(removed.map((m) => m.text)).toEqual([expect.stringContaining('A second factor (Authenticator app) was removed')]);
  const events = await stepup.container.store.audit.query({ email: person.email, type: 'account_change', limit: 10 });
  expect(events.map((e) => `${e.result}:${e.detail}`)).toContainEqual(
    expect.stringMatching(/^ok:second factor removed from the alert link: Authenticator app; [1-9]\d* sessions and tokens ended$/),
  );

  // the same link a second time, by the page or by the form, changes nothing
  await owner.post(form.action, form.fields);
  await expectNoLongerWorks(owner);
  await owner.open(link);
  await expectNoLongerWorks(owner);
  expect((await factorsOf(person)).map((f) => f.id)).toEqual([owners!.id]);

  // the owner's own app still signs in; the removed one does not
  const again = new Browser(stepup.issuer);
  await signIn(stepup, again, (await rp.authorize()).url, person);
  expect(again.page.url.startsWith(rp.redirectUri)).toBe(true);
  const relay = new Browser(stepup.issuer);
  await relay.open((await rp.authorize()).url);
  await relay.submit('/login', { email: person.email, password: person.password });
  await relay.submit('/second-factor', { code: await totpCode(stepup, relaySecret) });
  expect(relay.page.status).toBe(401);
});

test('the last factor goes too, with the recovery codes shown beside it, even after its sessions were ended; the next sign-in enrols again', async () => {
  const person = await enrolThroughSignIn(stepup, new Browser(stepup.issuer), (await rp.authorize()).url);
  const [link] = await undoLinks(person.email);
  // whoever added it ends the account's sessions: the owner's link still works
  await stepup.container.selfService.signOutEverywhere(await accountOf(person), noRequest);

  const owner = new Browser(stepup.issuer);
  await owner.open(link!);
  await owner.submit('/account/undo-factor');
  expect(owner.page.status).toBe(200);
  expect(owner.textOf('message')).toContain('Your account has no second factor left');
  expect(await factorsOf(person)).toEqual([]);
  expect(await stepup.container.store.recoveryCodes.countUnused((await accountOf(person)).id)).toBe(0);

  const next = new Browser(stepup.issuer);
  await next.open((await rp.authorize()).url);
  await next.submit('/login', { email: person.email, password: person.password });
  expect(next.page.url).toMatch(/\/enrol$/);
});

test('a link whose factor is gone, a forged form and unknown tokens change nothing', async () => {
  // the factor was removed another way (here by an admin) before the link was used
  const gone = await enrolThroughSignIn(stepup, new Browser(stepup.issuer), (await rp.authorize()).url);
  const [goneLink] = await undoLinks(gone.email);
  await stepup.container.userAdmin.resetSecondFactor(gone.email);
  const browser = new Browser(stepup.issuer);
  await browser.open(goneLink!);
  await expectNoLongerWorks(browser);
  await browser.post('/account/undo-factor', { token: tokenOf(goneLink!), csrf: csrfFor(tokenOf(goneLink!)) });
  await expectNoLongerWorks(browser);

  const person = await enrolThroughSignIn(stepup, new Browser(stepup.issuer), (await rp.authorize()).url);
  const [link] = await undoLinks(person.email);
  const before = await factorsOf(person);
  // another site posting the form cannot know its form token
  await browser.post('/account/undo-factor', { token: tokenOf(link!), csrf: 'forged' });
  expect(browser.page.status).toBe(403);
  await browser.post('/account/undo-factor', { token: tokenOf(link!) });
  expect(browser.page.status).toBe(400);

  const unknown = 'A'.repeat(43);
  for (const url of [
    `/account/undo-factor?token=${unknown}`,
    '/account/undo-factor',
    '/account/undo-factor?token=a&token=b',
    `/account/undo-factor?token=${'x'.repeat(5000)}`,
  ]) {
    await browser.open(url);
    await expectNoLongerWorks(browser);
    expect(browser.page.html).not.toContain('xxxxxxxxxx');
  }
  await browser.post('/account/undo-factor', { token: unknown, csrf: csrfFor(unknown) });
  await expectNoLongerWorks(browser);
  await browser.post('/account/undo-factor', { token: tokenOf(link!).slice(0, 42), csrf: csrfFor(tokenOf(link!).slice(0, 42)) });
  await expectNoLongerWorks(browser);

  expect(await factorsOf(person)).toEqual(before);
  // the link itself still works
  await browser.open(link!);
  expect(browser.page.status).toBe(200);
});

describe('a passkey with a hostile name', () => {
  let smtp: Awaited<ReturnType<typeof startMailingStepup>>['smtp'];
  let mailing: RunningStepup;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    ({ smtp, stepup: mailing, stop } = await startMailingStepup());
  });
  afterAll(() => stop());

  async function mailsTo(email: string, subject: string) {
    await mailing.container.alert.settled();
    return smtp.mails
      .filter((m) => m.to.includes(email) && m.raw.includes(subject))
      .map((m) => ({ text: mimePart(m.raw, 'text/plain'), html: mimePart(m.raw, 'text/html') }));
  }

  test('is escaped on the confirmation page and in the HTML of the "added" and "removed" emails', async () => {
    const person = await enrolThroughSignIn(mailing, new Browser(mailing.issuer), `${mailing.issuer}/account`);
    const account = (await mailing.container.store.accounts.findByEmail(person.email))!;
    const now = mailing.clock.now();
    const name = '<a href="x">';
    // planted: the passkey pages would refuse this name
    const factor = plantedPasskey(account.id, now, { name });
    await mailing.container.store.factors.add(factor);
    await mailing.container.selfService.factorAdded(account, 'webauthn', factor.id, [], noRequest);

    const [added] = (await mailsTo(person.email, 'was added')).slice(-1);
    expect(added!.text).toContain('A second factor (Passkey "<a href="x">") was added');
    expect(added!.html).not.toContain(name);
    expect(added!.html).toContain('Passkey &quot;&lt;a href=&quot;x&quot;&gt;&quot;');
    const link = undoLinkIn(added!.text)!;
    expect(added!.html).toContain(`<a href="${link}">Not you? Remove this second factor</a>`);

    const owner = new Browser(mailing.issuer);
    await owner.open(link);
    expect(owner.page.html).not.toContain(name);
    expect(owner.page.html).toContain('Passkey &quot;&lt;a href=&quot;x&quot;&gt;&quot;, on the account');
    await owner.submit('/account/undo-factor');
    expect(owner.page.status).toBe(200);
    expect(owner.page.html).not.toContain(name);
    expect((await mailing.container.secondFactors.confirmedFactors(account.id)).map((f) => f.kind)).toEqual(['totp']);

    const [removed] = await mailsTo(person.email, 'was removed');
    expect(removed!.text).toContain('A second factor (Passkey "<a href="x">") was removed');
    expect(removed!.html).not.toContain(name);
    const events = await mailing.container.store.audit.query({ email: person.email, type: 'account_change', limit: 10 });
    expect(events.map((e) => e.detail)).toContainEqual(expect.stringContaining('second factor removed from the alert link: Passkey "<a href="x">"'));
  });
});

// last in this file: it moves the clock by a week
test('a link past its 7 days changes nothing', async () => {
  const person = await enrolThroughSignIn(stepup, new Browser(stepup.issuer), (await rp.authorize()).url);
  const [link] = await undoLinks(person.email);
  const before = await factorsOf(person);
  stepup.clock.advance(7 * 24 * 60 * 60_000 + 60_000);
  const browser = new Browser(stepup.issuer);
  await browser.open(link!);
  await expectNoLongerWorks(browser);
  await browser.post('/account/undo-factor', { token: tokenOf(link!), csrf: csrfFor(tokenOf(link!)) });
  await expectNoLongerWorks(browser);
  expect(await factorsOf(person)).toEqual(before);
});
