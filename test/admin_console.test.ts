import { generateKeyPairSync } from 'node:crypto';
import { Browser } from './support/browser.ts';
import { addClient, getClient, listClients } from './support/clients.ts';
import { waitForMessage } from './support/outbox.ts';
import { adminInConsole, createPerson, enrolThroughSignIn, nextTimeStep, totpCode } from './support/people.ts';
import { type RunningStepup, rawStorage, startStepup } from './support/stepup.ts';

let stepup: RunningStepup;

beforeAll(async () => {
  stepup = await startStepup();
});
afterAll(() => stepup.stop());

const clientCount = async () => (await listClients(stepup.container, { limit: 500, offset: 0 })).total;

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
  // nor does a form posted straight to the console change anything
  const before = await clientCount();
  await browser.post('/admin/clients', { name: 'Sneaky', redirectUris: 'https://sneaky.example/cb' });
  expect(browser.page.status).toBe(403);
  expect(await clientCount()).toBe(before);
});

test('a role taken away ends the console at the next request', async () => {
  const { admin, browser } = await adminInConsole(stepup);
  await browser.open('/admin/people');
  expect(browser.page.status).toBe(200);
  await stepup.container.userAdmin.update(admin.email, { roles: [] });
  await browser.open('/admin/people');
  expect(browser.page.status).toBe(403);
  expect(browser.page.html).toContain('Not an administrator');
});

test('a console form posted without its CSRF token, or with another session token, changes nothing', async () => {
  const { browser } = await adminInConsole(stepup);
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

test('the console session ends after the idle timeout, each request keeps it alive until then, and a new one asks for the second factor again', async () => {
  const { admin, browser } = await adminInConsole(stepup);
  stepup.clock.advance(20 * 60_000);
  await browser.open('/admin/keys');
  stepup.clock.advance(20 * 60_000);
  await browser.open('/admin/keys');
  expect(browser.page.url).toBe(`${stepup.issuer}/admin/keys`);
  stepup.clock.advance(31 * 60_000);
  await browser.open('/admin/keys');
  // idle too long: the Stepup session still holds, but the console wants a second factor of the last 30 minutes
  expect(browser.page.url).toMatch(/\/second-factor$/);
  expect(browser.page.html).not.toContain('name="password"');
  await browser.submit('/second-factor', { code: await totpCode(stepup, admin.secret) });
  expect(browser.page.url).toBe(`${stepup.issuer}/admin/keys`);
});

test('the client form holds a client to FAPI 2.0, and names the field when the client cannot be held to it', async () => {
  const { browser } = await adminInConsole(stepup);
  await browser.open('/admin/clients/new');
  await browser.submit('/admin/clients', { name: 'Bank', redirectUris: 'https://bank.example/cb', fapi: 'on' });
  expect(browser.textOf('fapi-error')).toBe('a FAPI 2.0 client authenticates with private_key_jwt');
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwks = JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'bank-1', alg: 'ES256', use: 'sig' }] });
  await browser.submit('/admin/clients', { name: 'Bank', redirectUris: 'https://bank.example/cb', fapi: 'on', authMethod: 'private_key_jwt', jwks });
  const clientId = browser.textOf('client-id')!;
  expect(await getClient(stepup.container, clientId)).toMatchObject({ fapi: true, auth_method: 'private_key_jwt' });
});

test('a change from the console is audited with the admin, their IP and browser; bad fields are named next to them', async () => {
  const { admin, browser } = await adminInConsole(stepup);
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

test('clients: search and paging, edit with the API rules, a secret rotated and shown once (never stored in clear), removal naming the client', async () => {
  const { browser } = await adminInConsole(stepup);
  for (let i = 0; i < 22; i += 1) await addClient(stepup.container, { name: `Paged ${i}`, redirectUris: ['https://paged.example/cb'] });
  await browser.open('/admin/clients?search=Paged');
  expect(browser.page.html).toContain('22 client applications matching “Paged”');
  expect(browser.page.html).toContain('Page 1 of 2');
  await browser.open('/admin/clients?search=Paged&page=2');
  expect([...browser.page.html.matchAll(/>Paged \d+</g)]).toHaveLength(2);
  // search text is checked at the edge
  await browser.open(`/admin/clients?search=${encodeURIComponent('<script>')}`);
  expect(browser.page.status).toBe(400);
  await browser.open(`/admin/clients?search=${'a'.repeat(101)}`);
  expect(browser.page.status).toBe(400);

  const created = await addClient(stepup.container, { name: 'Ledger', redirectUris: ['https://ledger.example/cb'] });
  await browser.open(`/admin/clients/${created.client_id}/edit`);
  await browser.submit(`/admin/clients/${created.client_id}`, {
    name: 'Ledger',
    redirectUris: 'https://ledger.example/cb\nhttps://ledger.example/other#frag',
    mfaPolicy: 'sometimes',
  });
  expect(browser.textOf('redirectUris-error')).toMatch(/^line 2: /);
  expect(browser.textOf('mfaPolicy-error')).toBeTruthy();
  expect((await getClient(stepup.container, created.client_id)).redirect_uris).toEqual(['https://ledger.example/cb']);
  await browser.submit(`/admin/clients/${created.client_id}`, {
    name: 'Ledger Two',
    redirectUris: 'https://ledger.example/cb\nhttps://ledger.example/two',
    mfaPolicy: 'on-request',
    authMethod: 'client_secret_post',
  });
  expect(browser.page.url).toBe(`${stepup.issuer}/admin/clients/${created.client_id}?done=updated`);
  expect(await getClient(stepup.container, created.client_id)).toMatchObject({
    name: 'Ledger Two',
    redirect_uris: ['https://ledger.example/cb', 'https://ledger.example/two'],
    mfa_policy: 'on-request',
    auth_method: 'client_secret_post',
  });

  await browser.open(`/admin/clients/${created.client_id}/secret`);
  expect(browser.textOf('confirm-question')).toBe(`Give Ledger Two (${created.client_id}) a new secret?`);
  await browser.submit(`/admin/clients/${created.client_id}/secret`);
  const secret = browser.textOf('client-secret')!;
  expect(secret).toMatch(/^[\w-]{40,}$/);
  expect(secret).not.toBe(created.client_secret);
  expect(await rawStorage(stepup)).not.toContain(secret);
  await browser.open(`/admin/clients/${created.client_id}`);
  expect(browser.page.html).not.toContain(secret);

  await browser.open(`/admin/clients/${created.client_id}/remove`);
  expect(browser.textOf('confirm-question')).toBe(`Remove the client application Ledger Two (${created.client_id})?`);
  await browser.submit(`/admin/clients/${created.client_id}/remove`);
  expect(browser.textOf('notice')).toBe('The client application was removed.');
  await expect(getClient(stepup.container, created.client_id)).rejects.toThrow(/no client/);
  await browser.open(`/admin/clients/${created.client_id}`);
  expect(browser.page.status).toBe(404);
});

test('people: search, a person page, and each action after its confirmation: roles, reset of second factors (with the alert), disable, enable', async () => {
  const { browser } = await adminInConsole(stepup);
  const person = await enrolThroughSignIn(stepup, new Browser(stepup.issuer), `${stepup.issuer}/account`);
  const id = (await stepup.container.store.accounts.findByEmail(person.email))!.id;
  await browser.open(`/admin/people?search=${encodeURIComponent(person.email)}`);
  expect(browser.page.html).toContain(`href="/admin/people/${id}"`);
  await browser.open(`/admin/people/${id}`);
  expect(browser.textOf('methods')).toContain('Authenticator app');
  expect(browser.textOf('recovery-codes-left')).toBe('10');
  expect(browser.textOf('lockout-state')).toBe('not locked');
  expect(browser.textOf('person-activity')).toContain('Second factor added');

  // roles: the API's rule for each role, then a confirmation naming them
  await browser.submit(`/admin/people/${id}/roles/confirm`, { roles: 'bad role!' });
  expect(browser.textOf('roles-error')).toBeTruthy();
  expect((await stepup.container.userAdmin.get(id)).account.roles).toEqual([]);
  await browser.submit(`/admin/people/${id}/roles/confirm`, { roles: 'support billing' });
  expect(browser.textOf('confirm-question')).toBe(`Give ${person.email} these roles: billing, support?`);
  expect((await stepup.container.userAdmin.get(id)).account.roles).toEqual([]);
  await browser.submit(`/admin/people/${id}/roles`);
  expect(browser.textOf('person-roles')).toBe('billing, support');

  await browser.open(`/admin/people/${id}/reset-second-factor`);
  expect(browser.textOf('confirm-question')).toBe(`Reset the second factors: ${person.email}?`);
  await browser.submit(`/admin/people/${id}/reset-second-factor`);
  expect(browser.textOf('notice')).toBe('Their second factors are reset and they are signed out everywhere.');
  expect(browser.textOf('methods')).toContain('None');
  await waitForMessage(stepup, person.email, 'second factor');

  await browser.open(`/admin/people/${id}/disable`);
  await browser.submit(`/admin/people/${id}/disable`);
  expect(browser.textOf('person-state')).toBe('disabled');
  await browser.open(`/admin/people/${id}/enable`);
  await browser.submit(`/admin/people/${id}/enable`);
  expect(browser.textOf('person-state')).toBe('active');
  // an action that is not one is not a page
  await browser.open(`/admin/people/${id}/delete`);
  expect(browser.page.status).toBe(404);

  const details = (await stepup.container.store.audit.query({ accountId: id, type: 'admin_change', limit: 10 })).map((e) => e.detail);
  expect(details).toEqual(
    expect.arrayContaining([expect.stringMatching(/^roles: billing, support \(by admin /), expect.stringMatching(/^second factor reset \(by admin /)]),
  );
});

test('activity: the audit log filtered by person, client, type and result, the delivery log, keys and their rotation', async () => {
  const { admin, browser } = await adminInConsole(stepup);
  await browser.open(`/admin/activity?email=${encodeURIComponent(admin.email)}&type=login_ok&result=ok&client=stepup-console&since=1d`);
  expect(browser.page.status).toBe(200);
  const rows = browser.textOf('events')!;
  expect(rows).toContain('login_ok');
  expect(rows).not.toContain('enrolment');
  expect(rows).toContain(admin.email);
  await browser.open('/admin/activity?type=nonsense');
  expect(browser.page.status).toBe(400);
  await browser.open('/admin/activity?since=yesterday');
  expect(browser.page.status).toBe(400);

  const emailed = await createPerson(stepup);
  await stepup.container.userAdmin.update(emailed.email, { emailCode: true });
  const signIn = new Browser(stepup.issuer);
  await signIn.open('/account');
  await signIn.submit('/login', { email: emailed.email, password: emailed.password });
  await signIn.submit('/second-factor/send');
  await browser.open('/admin/deliveries?since=1h');
  expect(browser.textOf('delivery-log')).toContain(`${emailed.email}email`);
  expect(browser.textOf('delivery-log')).toMatch(/code\s*sent/);

  await browser.open('/admin/keys');
  const before = (browser.textOf('keys')!.match(/pending/g) ?? []).length;
  await browser.open('/admin/keys/rotate');
  await browser.submit('/admin/keys/rotate');
  expect(browser.textOf('notice')).toMatch(/New keys are published/);
  expect((browser.textOf('keys')!.match(/pending/g) ?? []).length).toBeGreaterThan(before);
});

test('after signing in, only console pages are returned to, never another site', async () => {
  const person = await createPerson(stepup);
  await stepup.container.userAdmin.update(person.email, { roles: ['admin'] });
  const browser = new Browser(stepup.issuer);
  await enrolThroughSignIn(stepup, browser, `${stepup.issuer}/admin/clients?search=%2F%2Fevil.example`, person);
  expect(browser.page.url).toBe(`${stepup.issuer}/admin/clients?search=%2F%2Fevil.example`);
  const other = new Browser(stepup.issuer);
  await other.open('/admin/activity?email=//evil.example/x');
  expect(decodeURIComponent(other.visited.find((url) => url.includes('/auth?'))!)).not.toContain('evil');
});
