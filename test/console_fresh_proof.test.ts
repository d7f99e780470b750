import { addClient, getClient } from './support/clients.ts';
import { adminInConsole, nextTimeStep, totpCode } from './support/people.ts';
import { type RunningStepup, startStepup } from './support/stepup.ts';

// The console's dangerous actions need a proof within console.freshSeconds (300 s by default),
// asked on a console page: an admin who stepped away, or a session a phisher holds for long,
// is asked again before resetting someone's factors, setting roles, rotating keys or removing a client.

let stepup: RunningStepup;

beforeAll(async () => {
  stepup = await startStepup();
});
afterAll(() => stepup.stop());

const FRESH_MS = 300_000;
const confirmUrl = (back: string) => `${stepup.issuer}/admin/confirm-it-is-you?return=${encodeURIComponent(back)}`;
const pendingKeys = async () => (await stepup.container.keyAdmin.list()).filter((k) => k.state === 'pending').length;

test('a dangerous action in a console session older than the window asks for a fresh second factor in the console, then goes through', async () => {
  const { admin, browser } = await adminInConsole(stepup);
  nextTimeStep(stepup);
  // just signed in: the confirmation page itself, no question
  await browser.open('/admin/keys/rotate');
  expect(browser.page.url).toBe(`${stepup.issuer}/admin/keys/rotate`);
  const staleForm = browser.forms().find((f) => f.action.endsWith('/admin/keys/rotate'))!;

  stepup.clock.advance(FRESH_MS + 1000);
  const before = await pendingKeys();
  // a form posted now is not carried out: the admin is asked first, inside the console
  const visitedBefore = browser.visited.length;
  await browser.post(staleForm.action, staleForm.fields);
  expect(browser.page.url).toBe(confirmUrl('/admin/keys/rotate'));
  expect(browser.page.html).toContain('Confirm it is you');
  expect(browser.visited.slice(visitedBefore).some((url) => url.includes('/auth?'))).toBe(false);
  expect(await pendingKeys()).toBe(before);
  // and so is opening the action's page
  await browser.open('/admin/keys/rotate');
  expect(browser.page.url).toBe(confirmUrl('/admin/keys/rotate'));

  // a wrong code: asked again, counted, audited under the console's client
  await browser.submit('/admin/confirm-it-is-you/code', { code: '000000' });
  expect(browser.page.html).toContain('That did not work');
  const failed = await stepup.container.store.audit.query({ email: admin.email, type: 'code_failed', limit: 5 });
  expect(failed[0]).toMatchObject({ clientId: 'stepup-console', channel: 'totp' });
  // a recovery code is no proof here
  const recovery = admin.recoveryCodes[0]!;
  await browser.submit('/admin/confirm-it-is-you/code', { method: 'recovery', code: recovery });
  expect(browser.page.html).toContain('That did not work');
  expect(await stepup.container.secondFactors.recoveryCodesLeft((await stepup.container.store.accounts.findByEmail(admin.email))!.id)).toBe(
    admin.recoveryCodes.length,
  );

  // the app's code: back to the action, which now goes through
  await browser.submit('/admin/confirm-it-is-you/code', { code: await totpCode(stepup, admin.secret) });
  expect(browser.page.url).toBe(`${stepup.issuer}/admin/keys/rotate`);
  await browser.submit('/admin/keys/rotate');
  expect(browser.textOf('notice')).toMatch(/New keys are published/);
  expect(await pendingKeys()).toBeGreaterThan(before);
});

test('every dangerous action is guarded, and the confirmation returns only to a console page', async () => {
  const { browser } = await adminInConsole(stepup);
  const client = await addClient(stepup.container, { name: 'Guarded', redirectUris: ['https://guarded.example/cb'] });
  const other = await stepup.container.userAdmin.add({ email: `guarded.${Date.now()}@example.com`, password: 'correct horse battery staple' });
  stepup.clock.advance(FRESH_MS + 1000);
  for (const path of [
    '/admin/clients/new',
    `/admin/clients/${client.client_id}/edit`,
    `/admin/clients/${client.client_id}/secret`,
    `/admin/clients/${client.client_id}/remove`,
    `/admin/people/${other.id}/reset-second-factor`,
    `/admin/people/${other.id}/disable`,
    '/admin/keys/rotate',
  ]) {
    await browser.open(path);
    expect(browser.page.url).toBe(confirmUrl(path));
  }
  // reading is not guarded
  await browser.open(`/admin/people/${other.id}`);
  expect(browser.page.url).toBe(`${stepup.issuer}/admin/people/${other.id}`);
  // the client is still there, its secret unchanged
  expect((await getClient(stepup.container, client.client_id)).client_id).toBe(client.client_id);

  for (const back of ['https://evil.example/admin', '//evil.example/admin', '/admin/../account', '/account']) {
    await browser.open(`/admin/confirm-it-is-you?return=${encodeURIComponent(back)}`);
    const returnField = browser.forms().find((f) => f.action.endsWith('/admin/confirm-it-is-you/code'))!.fields.return!;
    expect(returnField === '/admin' || returnField.startsWith('/admin/')).toBe(true);
  }
});
