import argon2 from 'argon2';
import { Browser } from './support/browser.ts';
import { createPerson } from './support/people.ts';
import { type RelyingParty, relyingParty } from './support/relying_party.ts';
import { type RunningStepup, startStepup } from './support/stepup.ts';

let stepup: RunningStepup;
let rp: RelyingParty;

beforeAll(async () => {
  stepup = await startStepup();
  rp = await relyingParty(stepup, { firstParty: true });
});
afterAll(() => stepup.stop());

async function tryLogin(email: string, password: string) {
  const browser = new Browser(stepup.issuer);
  await browser.open((await rp.authorize()).url);
  await browser.submit('/login', { email, password });
  return browser;
}

/** The page without the parts that differ by interaction (uid, csrf token, typed email). */
const comparable = (html: string, email: string) =>
  html
    .replace(/\/interaction\/[^/"]+/g, '/interaction/UID')
    .replace(/interaction=[^"]+/g, 'interaction=UID')
    .replace(/value="[^"]*"/g, 'value=""')
    // each login page carries a fresh passkey challenge
    .replace(/challenge&quot;:&quot;[\w-]+/g, 'challenge&quot;:&quot;CHALLENGE')
    .replace(email, 'EMAIL');

test('a wrong password and an unknown email get the same answer', async () => {
  const person = await createPerson(stepup);
  const wrongPassword = await tryLogin(person.email, 'not the password');
  const unknownEmail = await tryLogin('nobody@example.com', person.password);

  expect(wrongPassword.page.status).toBe(401);
  expect(unknownEmail.page.status).toBe(401);
  expect(wrongPassword.page.html).toContain('The email or password is not correct.');
  expect(comparable(wrongPassword.page.html, person.email)).toBe(comparable(unknownEmail.page.html, 'nobody@example.com'));
});

/** How many calls of each storage operation (sweeps aside) `act` made. */
async function storageCalls(act: () => Promise<unknown>) {
  const counts = async () =>
    new Map(
      (await stepup.container.metrics.storage.get()).values
        .filter((v) => v.metricName?.endsWith('_count') && !String(v.labels.operation).endsWith('.sweep'))
        .map((v) => [String(v.labels.operation), v.value]),
    );
  const before = await counts();
  await act();
  return [...(await counts())]
    .map(([operation, n]) => [operation, n - (before.get(operation) ?? 0)])
    .filter(([, n]) => n !== 0)
    .sort();
}

test('an unknown email costs the same storage work as a wrong password: the same counters, the same writes', async () => {
  const person = await createPerson(stepup);
  const known = new Browser(stepup.issuer);
  const unknown = new Browser(stepup.issuer);
  await known.open((await rp.authorize()).url);
  await unknown.open((await rp.authorize()).url);

  const wrongPassword = await storageCalls(() => known.submit('/login', { email: person.email, password: 'not the password' }));
  const unknownEmail = await storageCalls(() => unknown.submit('/login', { email: 'nobody-else@example.com', password: 'not the password' }));
  expect(wrongPassword).toContainEqual(['counters.hitAll', expect.any(Number)]);
  expect(unknownEmail).toEqual(wrongPassword);
});

test('the email is matched without regard to case or surrounding spaces', async () => {
  const person = await createPerson(stepup, 'Mixed.Case@Example.com');
  expect(person.email).toBe('Mixed.Case@Example.com');
  const browser = await tryLogin('  MIXED.case@example.COM ', person.password);
  expect(browser.page.url).toMatch(/\/enrol$/);
});

test('passwords are stored as argon2id with the configured parameters', async () => {
  const person = await createPerson(stepup);
  const account = await stepup.container.store.accounts.findByEmail(person.email.toLowerCase());
  expect(account!.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
  expect(account!.passwordHash).not.toContain(person.password);
});

test('a hash made with older parameters is replaced at the next successful login', async () => {
  const person = await createPerson(stepup);
  const accounts = stepup.container.store.accounts;
  const account = (await accounts.findByEmail(person.email))!;
  const weak = await argon2.hash(person.password, { type: argon2.argon2id, memoryCost: 8192, timeCost: 1, parallelism: 1 });
  await accounts.updatePasswordHash(account.id, weak);

  await tryLogin(person.email, 'wrong password');
  expect((await accounts.findById(account.id))!.passwordHash).toBe(weak);

  await tryLogin(person.email, person.password);
  const rehashed = (await accounts.findById(account.id))!.passwordHash;
  expect(rehashed).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
  expect(await argon2.verify(rehashed, person.password)).toBe(true);
});

test('a password typed in another Unicode form (NFKC) still matches', async () => {
  // U+FB01 "ﬁ" is the NFKC compatibility form of "fi"
  await stepup.container.userAdmin.add({ email: 'unicode@example.com', password: 'ﬁne password here' });
  const browser = await tryLogin('unicode@example.com', 'fine password here');
  expect(browser.page.url).toMatch(/\/enrol$/);
});

test('an overlong password is refused at the edge, before any hashing', async () => {
  const browser = await tryLogin('someone@example.com', 'x'.repeat(5000));
  expect(browser.page.status).toBe(400);
  expect(browser.page.html).toContain('The form was incomplete or not valid');
});
