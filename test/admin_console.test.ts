import { Browser } from './support/browser.ts';
import { createPerson, enrolThroughSignIn, nextTimeStep, totpCode, type Enrolled } from './support/people.ts';
import { startStepup, type RunningStepup } from './support/stepup.ts';

let stepup: RunningStepup;

beforeAll(async () => {
  stepup = await startStepup();
});
afterAll(() => stepup.stop());

/** A person with the admin role, enrolled with an authenticator app by signing in to the console. */
async function adminInConsole(): Promise<{ admin: Enrolled; browser: Browser }> {
  const person = await createPerson(stepup);
  await stepup.container.userAdmin.update(person.email, { roles: ['admin'] });
  const browser = new Browser(stepup.issuer);
  const admin = await enrolThroughSignIn(stepup, browser, `${stepup.issuer}/admin`, person);
  return { admin, browser };
}

const clientCount = async () => (await stepup.container.clientAdmin.list({ limit: 500, offset: 0 })).total;

test('an admin signs in to /admin with the password and a second factor, into a session cookie kept to /admin', async () => {
  const browser = new Browser(stepup.issuer);
  const person = await createPerson(stepup);
  await stepup.container.userAdmin.update(person.email, { roles: ['admin'] });
  await browser.open('/admin/clients');
  expect(browser.page.url).toMatch(/\/interaction\/[^/]+$/);
  const admin = await enrolThroughSignIn(stepup, new Browser(stepup.issuer), `${stepup.issuer}/account`, person);
  await browser.submit('/login', { email: admin.email, password: admin.password });
  expect(browser.page.url).toMatch(/\/second-factor$/);
  await browser.submit('/second-factor', { code: await totpCode(stepup, admin.secret) });
  nextTimeStep(stepup);

  // back where the admin was going, signed in
  expect(browser.page.url).toBe(`${stepup.issuer}/admin/clients`);
  expect(browser.page.status).toBe(200);
  expect(browser.page.html).toContain('Client applications');
  const cookie = browser.setCookieLines.find((line) => line.startsWith('stepup.console='))!;
  expect(cookie).toMatch(/path=\/admin;/i);
  expect(cookie).toMatch(/httponly/i);
  expect(cookie).toMatch(/samesite=strict/i);
  expect(browser.setCookieLines.some((line) => line.startsWith('stepup.console.sig='))).toBe(true);
  // the sign-in was audited under the console's own client
  const events = await stepup.container.store.audit.query({ email: admin.email, type: 'code_ok', limit: 10 });
  expect(events.some((e) => e.clientId === 'stepup-console')).toBe(true);
});

test('a person without the admin role is refused with a 403 page and gets no console session', async () => {
  const browser = new Browser(stepup.issuer);
  const person = await enrolThroughSignIn(stepup, browser, `${stepup.issuer}/admin`);
  expect(browser.page.status).toBe(403);
  expect(browser.page.html).toContain('Not an administrator');
  expect(browser.setCookieLines.some((line) => line.startsWith('stepup.console='))).toBe(false);
  await browser.open('/admin/people');
  // signed in to Stepup already: straight back to the refusal, never a console page
  expect(browser.page.status).toBe(403);
  expect(browser.page.html).not.toContain('<h1>People</h1>');
  expect(browser.page.html).not.toContain(person.email);
});

test('a role taken away ends the console at the next request', async () => {
  const { admin, browser } = await adminInConsole();
  await browser.open('/admin/people');
  expect(browser.page.status).toBe(200);
  await stepup.container.userAdmin.update(admin.email, { roles: [] });
  await browser.open('/admin/people');
  expect(browser.page.status).toBe(403);
  expect(browser.page.html).toContain('Not an administrator');
});

test('a console form posted without its CSRF token, or with another session token, changes nothing', async () => {
  const { browser } = await adminInConsole();
  await browser.open('/admin/clients/new');
  const before = await clientCount();
  const fields = { name: 'Forged', redirectUris: 'https://forged.example/cb' };
  await browser.post('/admin/clients', fields);
  expect(browser.page.status).toBe(403);
  await browser.post('/admin/clients', { ...fields, csrf: 'not-the-token' });
  expect(browser.page.status).toBe(403);
  expect(await clientCount()).toBe(before);
  // the page's own form goes through
  await browser.open('/admin/clients/new');
  await browser.submit('/admin/clients', fields);
  expect(browser.page.status).toBe(200);
  expect(await clientCount()).toBe(before + 1);
});

test('the console session ends after the idle timeout, and each request keeps it alive until then', async () => {
  const { browser } = await adminInConsole();
  const signInsAfter = (from: number) => browser.visited.slice(from).filter((url) => url.includes('/auth?') && url.includes('client_id=stepup-console'));
  let from = browser.visited.length;
  stepup.clock.advance(20 * 60_000);
  await browser.open('/admin/keys');
  stepup.clock.advance(20 * 60_000);
  await browser.open('/admin/keys');
  expect(browser.page.url).toBe(`${stepup.issuer}/admin/keys`);
  expect(signInsAfter(from)).toEqual([]);
  from = browser.visited.length;
  stepup.clock.advance(31 * 60_000);
  await browser.open('/admin/keys');
  // idle too long: a new console sign-in through the provider
  expect(signInsAfter(from)).toHaveLength(1);
});

test('a change from the console is audited with the admin, their IP and browser; bad fields are named next to them', async () => {
  const { admin, browser } = await adminInConsole();
  await browser.open('/admin/clients/new');
  await browser.submit('/admin/clients', { name: '', redirectUris: 'javascript:alert(1)\nhttps://ok.example/cb' });
  expect(browser.page.status).toBe(200);
  expect(browser.textOf('name-error')).toBeTruthy();
  expect(browser.textOf('redirectUris-error')).toMatch(/^line 1: must be an http\(s\) URL/);
  await browser.submit('/admin/clients', { name: 'Audited', redirectUris: 'https://ok.example/cb' });
  const clientId = browser.textOf('client-id')!;
  const adminAccount = await stepup.container.store.accounts.findByEmail(admin.email);
  const [event] = (await stepup.container.store.audit.query({ type: 'admin_change', clientId, limit: 5 })).filter((e) => e.detail?.startsWith('client added'));
  expect(event!.detail).toBe(`client added (by admin ${adminAccount!.id})`);
  expect(event!.ip).toBe('127.0.0.1');
  expect(event!.userAgent).toBeTruthy();
});
