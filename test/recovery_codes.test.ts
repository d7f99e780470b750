import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Browser } from './support/browser.ts';
import { createPerson, enrolThroughSignIn, nextTimeStep, totpCode } from './support/people.ts';
import { type RelyingParty, relyingParty } from './support/relying_party.ts';
import { type RunningStepup, rawStorage, startStepup } from './support/stepup.ts';

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

test('two factors added at once come with one set of recovery codes, and it is the set that works', async () => {
  const person = await enrolThroughSignIn(stepup, new Browser(stepup.issuer), (await rp.authorize()).url);
  const account = (await stepup.container.store.accounts.findByEmail(person.email))!;
  await stepup.container.userAdmin.resetSecondFactor(person.email);
  const { secondFactors } = stepup.container;
  const factor = () => ({
    id: randomUUID(),
    accountId: account.id,
    kind: 'totp' as const,
    secretCiphertext: null,
    target: null,
    confirmedAt: Date.now(),
    lastTimeStep: null,
    createdAt: Date.now(),
  });

  const issued = await Promise.all([1, 2].map(() => secondFactors.addFactor(factor())));
  const shown = issued.filter((codes) => codes.length > 0);
  expect(shown).toHaveLength(1);
  expect(await secondFactors.confirmedFactors(account.id)).toHaveLength(2);
  expect(await secondFactors.recoveryCodesLeft(account.id)).toBe(10);
  for (const code of shown[0]!) expect(await secondFactors.useRecoveryCode(account.id, code)).toBe(true);
});

test('the same enrolment confirmed twice at once adds one factor with one set of recovery codes', async () => {
  const person = await createPerson(stepup);
  const browser = new Browser(stepup.issuer);
  await browser.open((await rp.authorize()).url);
  await browser.submit('/login', person);
  await browser.open(browser.page.url.replace(/\/enrol$/, '/enrol/totp'));
  const form = browser.forms().find((f) => f.action.endsWith('/enrol/totp'))!;
  const body = new URLSearchParams({ ...form.fields, code: await totpCode(stepup, browser.textOf('totp-secret')!) }).toString();
  const confirm = () =>
    fetch(new URL(form.action, stepup.issuer), {
      method: 'POST',
      body,
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: browser.cookieHeader(), accept: 'text/html' },
    }).then(async (response) => [...(await response.text()).matchAll(/<li><code>([^<]+)<\/code><\/li>/g)].map((m) => m[1]!));

  const shown = (await Promise.all([confirm(), confirm()])).filter((codes) => codes.length > 0);
  const account = (await stepup.container.store.accounts.findByEmail(person.email))!;
  const { secondFactors } = stepup.container;
  expect(shown).toHaveLength(1);
  expect(await secondFactors.confirmedFactors(account.id)).toHaveLength(1);
  expect(await secondFactors.recoveryCodesLeft(account.id)).toBe(10);
  for (const code of shown[0]!) expect(await secondFactors.useRecoveryCode(account.id, code)).toBe(true);
});

/**
 * Makes the store refuse recovery codes, as a failing disk or database would, by a unique index
 * on their account: the second code of a set is a duplicate. Returns the undo.
 */
async function refuseRecoveryCodes(server: RunningStepup): Promise<() => Promise<void>> {
  const uri = server.container.config.mongodbUri;
  if (uri) {
    const { MongoClient } = await import('mongodb');
    const client = await new MongoClient(uri).connect();
    const codes = client.db().collection('recovery_codes');
    await codes.createIndex({ accountId: 1 }, { name: 'test_fault', unique: true });
    return async () => {
      await codes.dropIndex('test_fault');
      await client.close();
    };
  }
  const { DatabaseSync } = await import('node:sqlite');
  const db = new DatabaseSync(join(server.dataDir, 'stepup.db'));
  db.exec('CREATE UNIQUE INDEX test_fault ON recovery_codes(account_id)');
  return async () => {
    db.exec('DROP INDEX test_fault');
    db.close();
  };
}

test('a first factor whose recovery codes cannot be stored is not stored either', async () => {
  const own = await startStepup(); // a database of its own: the fault touches every account's codes
  try {
    const person = await createPerson(own);
    const account = (await own.container.store.accounts.findByEmail(person.email))!;
    const { store } = own.container;
    const url = async () => (await (await relyingParty(own, { firstParty: true })).authorize()).url;
    const restore = await refuseRecoveryCodes(own);

    const browser = new Browser(own.issuer);
    await browser.open(await url());
    await browser.submit('/login', person);
    await browser.open(browser.page.url.replace(/\/enrol$/, '/enrol/totp'));
    await browser.submit('/enrol/totp', { code: await totpCode(own, browser.textOf('totp-secret')!) });
    expect(browser.page.status).toBe(500);
    expect(browser.page.html).not.toMatch(/\n\s+at |duplicate/i);
    expect({ factors: await store.factors.listForAccount(account.id), codes: await store.recoveryCodes.countUnused(account.id) }).toEqual({
      factors: [],
      codes: 0,
    });

    await restore();
    nextTimeStep(own);
    await enrolThroughSignIn(own, new Browser(own.issuer), await url(), person);
    expect({ factors: (await store.factors.listForAccount(account.id)).length, codes: await store.recoveryCodes.countUnused(account.id) }).toEqual({
      factors: 1,
      codes: 10,
    });
  } finally {
    await own.stop();
  }
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
