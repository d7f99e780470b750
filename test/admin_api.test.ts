import * as oidc from 'openid-client';
import { Browser } from './support/browser.ts';
import { enrolThroughSignIn, PASSWORD } from './support/people.ts';
import { type RelyingParty, relyingParty } from './support/relying_party.ts';
import { type RunningStepup, rawStorage, startStepup } from './support/stepup.ts';

const TOKEN = 'admin-token-for-tests-0123456789abcdef';
let stepup: RunningStepup;
let rp: RelyingParty;

beforeAll(async () => {
  stepup = await startStepup({ ADMIN_TOKEN: TOKEN });
  rp = await relyingParty(stepup, { firstParty: true });
});
afterAll(() => stepup.stop());

/** Calls the admin API as an operator's script would. */
async function api(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${stepup.issuer}/admin/api/v1${path}`, {
    method,
    headers: { Authorization: `Bearer ${TOKEN}`, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

/** Whether the client secret works: the revocation endpoint authenticates the client. */
async function secretWorks(clientId: string, secret: string): Promise<boolean> {
  const response = await fetch(`${stepup.issuer}/token/revocation`, {
    method: 'POST',
    headers: { Authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: 'token=not-a-real-token',
  });
  return response.status === 200;
}

const adminChanges = async (filter: string) => {
  const events = (await api('GET', `/audit?type=admin_change&since=1d&limit=1000`)).body.items as { detail: string }[];
  return events.map((e) => e.detail).filter((detail) => detail.includes(filter));
};

describe('the admin token', () => {
  test('is required, and a wrong one is refused the same way', async () => {
    for (const authorization of [undefined, 'Bearer wrong-token', `Basic ${TOKEN}`, `Bearer ${TOKEN}x`, 'Bearer ']) {
      const response = await fetch(`${stepup.issuer}/admin/api/v1/users`, { headers: authorization ? { Authorization: authorization } : {} });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(await response.json()).toEqual({ error: 'unauthorized', message: expect.stringContaining('admin token') });
    }
  });

  test('without ADMIN_TOKEN the API is off', async () => {
    const other = await startStepup();
    try {
      const response = await fetch(`${other.issuer}/admin/api/v1/users`, { headers: { Authorization: `Bearer ${TOKEN}` } });
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ error: 'admin_api_disabled' });
    } finally {
      await other.stop();
    }
  });
});

describe('clients', () => {
  test('create, read, list with paging, update, rotate the secret, delete', async () => {
    const created = await api('POST', '/clients', {
      name: 'Shop',
      redirectUris: ['https://shop.example/cb'],
      mfaPolicy: 'on-request',
      defaultAcr: 'urn:stepup:loa:2fa',
    });
    expect(created.status).toBe(201);
    const client = created.body;
    expect(client).toMatchObject({ name: 'Shop', mfa_policy: 'on-request', default_acr: 'urn:stepup:loa:2fa', first_party: false, public: false });
    expect(await secretWorks(client.client_id, client.client_secret)).toBe(true);

    expect((await api('GET', `/clients/${client.client_id}`)).body).toEqual({ ...client, client_secret: undefined });
    const page = (await api('GET', '/clients?limit=1&offset=1')).body;
    expect(page).toMatchObject({ total: 2, limit: 1, offset: 1, items: [{ client_id: client.client_id }] });
    expect(JSON.stringify(page)).not.toContain(client.client_secret);

    const updated = await api('PATCH', `/clients/${client.client_id}`, {
      name: 'Shop 2',
      firstParty: true,
      defaultAcr: null,
      postLogoutRedirectUris: ['https://shop.example/bye'],
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({
      name: 'Shop 2',
      first_party: true,
      default_acr: null,
      post_logout_redirect_uris: ['https://shop.example/bye'],
      redirect_uris: ['https://shop.example/cb'],
    });

    const rotated = await api('POST', `/clients/${client.client_id}/secret`);
    expect(rotated.body.client_secret).not.toBe(client.client_secret);
    expect(await secretWorks(client.client_id, client.client_secret)).toBe(false);
    expect(await secretWorks(client.client_id, rotated.body.client_secret)).toBe(true);
    expect(await rawStorage(stepup)).not.toContain(rotated.body.client_secret);

    expect((await api('DELETE', `/clients/${client.client_id}`)).status).toBe(204);
    expect((await api('GET', `/clients/${client.client_id}`)).body).toEqual({ error: 'not_found', message: `no client ${client.client_id}` });
    expect(await adminChanges('client')).toEqual(
      expect.arrayContaining([
        'client added',
        'client updated: name, postLogoutRedirectUris, firstParty, defaultAcr',
        'client secret rotated',
        'client removed',
      ]),
    );
  });

  test('a default acr makes an on-request client ask for the second factor', async () => {
    const app = await relyingParty(stepup, { mfaPolicy: 'on-request' });
    const browser = new Browser(stepup.issuer);
    const person = await enrolThroughSignIn(stepup, browser, (await rp.authorize()).url);
    const fresh = new Browser(stepup.issuer);
    await api('PATCH', `/clients/${app.clientId}`, { defaultAcr: 'urn:stepup:loa:2fa' });
    await fresh.open((await app.authorize()).url);
    await fresh.submit('/login', { email: person.email, password: person.password });
    expect(fresh.page.url).toMatch(/\/second-factor$/);
  });

  test('bad input gets a clear 4xx and changes nothing', async () => {
    const before = (await api('GET', '/clients')).body.total;
    const cases: [string, string, unknown, number, string][] = [
      ['POST', '/clients', { name: 'X', redirectUris: ['not a url'] }, 400, 'redirectUris.0'],
      ['POST', '/clients', { name: 'X', redirectUris: ['https://x.example/cb'], surprise: true }, 400, 'Unrecognized key: "surprise" (the fields are name, '],
      ['POST', '/clients', { name: { $gt: '' }, redirectUris: ['https://x.example/cb'] }, 400, 'name'],
      ['POST', '/clients', { name: 'X', redirectUris: ['https://x.example/cb'], mfaPolicy: 'sometimes' }, 400, 'mfaPolicy'],
      ['POST', '/clients', '{"name": "X", ', 400, 'could not be read'],
      ['POST', '/clients', [1, 2], 400, 'invalid body'],
      ['POST', '/clients', undefined, 400, 'invalid body'],
      ['PATCH', '/clients/nope', { name: 'Y' }, 404, 'no client nope'],
      ['PATCH', '/clients/nope', {}, 400, 'at least one field'],
      ['GET', '/clients?limit=0', undefined, 400, 'limit'],
      ['GET', '/clients?limit=abc', undefined, 400, 'limit'],
      ['POST', '/clients', JSON.stringify({ name: 'X'.repeat(1_100_000), redirectUris: ['https://x.example/cb'] }), 413, 'too large'],
    ];
    for (const [method, path, body, status, message] of cases) {
      const response = await api(method, path, body);
      expect([method, path, response.status]).toEqual([method, path, status]);
      expect(response.body.message).toContain(message);
    }
    const wrongType = await api('POST', '/clients', 'name=X', { 'Content-Type': 'application/x-www-form-urlencoded' });
    expect(wrongType.status).toBe(415);
    expect((await api('GET', '/clients')).body.total).toBe(before);
  });
});

describe('users', () => {
  test('create, read, search with paging, change email and phone', async () => {
    const created = await api('POST', '/users', { email: 'Zed@Example.com', password: PASSWORD, phone: '+15550100001' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ email: 'zed@example.com', phone: '+15550100001', disabled: false });
    expect(JSON.stringify(await rawStorage(stepup))).not.toContain(PASSWORD);
    expect((await api('POST', '/users', { email: 'zed@example.com', password: PASSWORD })).status).toBe(409);
    await api('POST', '/users', { email: 'zed2@example.com', password: PASSWORD });

    const found = (await api('GET', '/users?search=ZED&limit=1')).body;
    expect(found).toMatchObject({ total: 2, limit: 1, offset: 0 });
    expect(found.items).toEqual([expect.objectContaining({ email: 'zed2@example.com' })]);
    expect((await api('GET', '/users?search=0100001')).body.items.map((u: { email: string }) => u.email)).toEqual(['zed@example.com']);
    expect((await api('GET', '/users?search=%25')).body.total).toBe(0);

    const detail = (await api('GET', `/users/${created.body.id}`)).body;
    expect(detail).toMatchObject({
      email: 'zed@example.com',
      locked_until: null,
      recovery_codes_left: 0,
      methods: [{ kind: 'sms', target: '+15550100001', confirmed: true }],
    });
    expect((await api('GET', '/users/zed@example.com')).body.id).toBe(created.body.id);

    const changed = await api('PATCH', `/users/${created.body.id}`, { email: 'zed.new@example.com', phone: null });
    expect(changed.body).toMatchObject({ email: 'zed.new@example.com', phone: null });
    expect((await api('GET', `/users/${created.body.id}/methods`)).body).toEqual({ methods: [], recovery_codes_left: 0 });
    expect((await api('PATCH', `/users/${created.body.id}`, { email: 'zed2@example.com' })).status).toBe(409);
    expect((await api('PATCH', `/users/${created.body.id}`, { phone: '555' })).status).toBe(400);
    expect((await api('GET', '/users/nobody@example.com')).body).toEqual({ error: 'not_found', message: 'no user with email nobody@example.com' });
  });

  test('a password set by an admin follows the rules people follow: 15 characters, not a common one, not the email', async () => {
    const refused: [string, string, string][] = [
      ['short@example.com', 'fourteen chars', 'invalid user: password: Use at least 15 characters.'],
      ['common@example.com', 'qwerty123456789', 'invalid user: password: This password is one of the most common passwords'],
      ['own-address@example.com', 'Own-Address@example.com', 'invalid user: password: Do not use your email address as your password.'],
    ];
    for (const [email, password, message] of refused) {
      const response = await api('POST', '/users', { email, password });
      expect([email, response.status, response.body.error]).toEqual([email, 400, 'invalid_request']);
      expect(response.body.message).toContain(message);
      expect((await api('GET', `/users/${email}`)).status).toBe(404);
    }
  });

  test('disable ends sessions and stops sign-in; enable lets the person back', async () => {
    const browser = new Browser(stepup.issuer);
    const authorization = await rp.authorize({ scope: 'openid offline_access', prompt: 'consent' });
    const person = await enrolThroughSignIn(stepup, browser, authorization.url);
    const tokens = await authorization.exchange(browser.callbackUrl);
    expect(tokens.refresh_token).toBeTruthy();

    const disabled = await api('POST', `/users/${person.email}/disable`);
    expect(disabled.body).toMatchObject({ email: person.email, disabled: true });
    expect(disabled.body.revoked).toBeGreaterThan(0);
    await expect(oidc.refreshTokenGrant(rp.config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    const silent = await rp.authorize({ prompt: 'none' });
    await browser.open(silent.url);
    expect(browser.callbackUrl.searchParams.get('error')).toBe('login_required');

    const fresh = new Browser(stepup.issuer);
    await fresh.open((await rp.authorize()).url);
    await fresh.submit('/login', { email: person.email, password: person.password });
    expect(fresh.page.html).toContain('The email or password is not correct.');

    expect((await api('POST', `/users/${person.email}/enable`)).body).toMatchObject({ disabled: false });
    await fresh.submit('/login', { email: person.email, password: person.password });
    expect(fresh.page.url).toMatch(/\/second-factor$/);
  });

  test('reset-second-factor: the next sign-in enrols a new authenticator', async () => {
    const browser = new Browser(stepup.issuer);
    const person = await enrolThroughSignIn(stepup, browser, (await rp.authorize()).url);
    expect((await api('GET', `/users/${person.email}/methods`)).body).toMatchObject({ methods: [{ kind: 'totp', confirmed: true }], recovery_codes_left: 10 });

    const reset = await api('POST', `/users/${person.email}/reset-second-factor`);
    expect(reset.body).toMatchObject({ email: person.email, methods_removed: 1 });
    expect((await api('GET', `/users/${person.email}/methods`)).body).toEqual({ methods: [], recovery_codes_left: 0 });

    const fresh = new Browser(stepup.issuer);
    await fresh.open((await rp.authorize()).url);
    await fresh.submit('/login', { email: person.email, password: person.password });
    expect(fresh.page.url).toMatch(/\/enrol$/);
  });

  test('the last second factor is not removed: a documented 409 that changes nothing', async () => {
    const created = (await api('POST', '/users', { email: 'last-factor@example.com', password: PASSWORD, phone: '+15550100002' })).body;
    const [method] = (await api('GET', `/users/${created.id}/methods`)).body.methods;
    const refused = await api('DELETE', `/users/${created.id}/methods/${method.id}`);
    expect(refused).toMatchObject({ status: 409, body: { error: 'conflict', message: expect.stringContaining('last second factor') } });
    expect((await api('GET', `/users/${created.id}/methods`)).body.methods).toEqual([method]);
    // the fuzzer found this status missing from the document
    const document = (await (await fetch(`${stepup.issuer}/admin/api/v1/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { responses: object }>>;
    };
    expect(Object.keys(document.paths['/users/{userId}/methods/{methodId}']!.delete!.responses)).toContain('409');
  });

  test('revoke-sessions signs the person out everywhere', async () => {
    const browser = new Browser(stepup.issuer);
    const person = await enrolThroughSignIn(stepup, browser, (await rp.authorize()).url);
    const before = await rp.authorize({ prompt: 'none' });
    await browser.open(before.url);
    expect(browser.callbackUrl.searchParams.get('code')).toBeTruthy();

    expect((await api('POST', `/users/${person.email}/revoke-sessions`)).body.revoked).toBeGreaterThan(0);
    const after = await rp.authorize({ prompt: 'none' });
    await browser.open(after.url);
    expect(browser.callbackUrl.searchParams.get('error')).toBe('login_required');
  });

  test('unlock lifts a lockout', async () => {
    const email = 'locked@example.com';
    await api('POST', '/users', { email, password: PASSWORD });
    const browser = new Browser(stepup.issuer);
    await browser.open((await rp.authorize()).url);
    for (let i = 0; i < 5; i++) await browser.submit('/login', { email, password: 'wrong password' });
    expect((await api('GET', `/users/${email}`)).body.locked_until).toEqual(expect.any(String));
    expect((await api('POST', `/users/${email}/unlock`)).body).toMatchObject({ email, was_locked: true });
    expect((await api('GET', `/users/${email}`)).body.locked_until).toBeNull();
  });

  test('every change is in the audit log, and the summary counts them', async () => {
    expect(await adminChanges('')).toEqual(
      expect.arrayContaining(['user added', 'email changed, phone changed', 'disabled', 'enabled', 'second factor reset', 'sessions revoked', 'unlocked']),
    );
    const summary = (await api('GET', '/audit/summary?since=1d')).body;
    expect(summary.byType.admin_change).toBeGreaterThan(10);
    expect((await api('GET', '/audit?type=bogus')).status).toBe(400);
  });
});

test('keys: list and rotate', async () => {
  const before = (await api('GET', '/keys')).body.items as { use: string; state: string }[];
  expect(
    before
      .filter((k) => k.state === 'active')
      .map((k) => k.use)
      .sort(),
  ).toEqual(['cookie', 'signing', 'signing']);
  const rotated = (await api('POST', '/keys/rotate', { activateInSeconds: 600 })).body.items as { state: string }[];
  expect(rotated.filter((k) => k.state === 'pending')).toHaveLength(3);
  expect((await api('POST', '/keys/rotate', { activateInSeconds: -1 })).status).toBe(400);
});
