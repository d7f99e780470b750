import { createHash } from 'node:crypto';
import { type IncomingHttpHeaders, request } from 'node:http';
import type { ConsoleDeps } from '../src/admin_console/deps.ts';
import { createConsoleRouter } from '../src/admin_console/router.ts';
import { Browser } from './support/browser.ts';
import { addClient, listClients } from './support/clients.ts';
import { adminInConsole, createPerson, type Enrolled, enrolThroughSignIn, resetPasswordByEmail, signIn } from './support/people.ts';
import { type RunningStepup, rawStorage, startStepup } from './support/stepup.ts';

/**
 * The admin console attacked over HTTP: every route without a session, forged and replayed
 * forms, sessions that should have ended, planted sign-ins, open redirects, stored XSS,
 * hostile query strings and forms, caching and framing.
 */

const TOKEN = 'admin-token-for-console-attacks-0123456789';
// the cheapest password hashing the configuration allows: these tests sign many admins in
// one admin sign-in serves the whole file while its sign-ins move the clock on: the proof that
// dangerous actions need stays fresh for a day here (test/console_fresh_proof.test.ts proves the window)
const cheapHashing = { argon2: { memoryKiB: 8192, timeCost: 1, parallelism: 1 }, console: { freshSeconds: 86_400 } };
let stepup: RunningStepup;
/** One admin signed in to the console for the tests that need one */
let admin: Enrolled;
let adminBrowser: Browser;
let target: Awaited<ReturnType<typeof targets>>;

beforeAll(async () => {
  stepup = await startStepup({ ADMIN_TOKEN: TOKEN, TRUST_PROXY: '1' }, cheapHashing);
  ({ admin, browser: adminBrowser } = await adminInConsole(stepup));
  target = await targets();
});
afterAll(() => stepup.stop());

interface Answer {
  status: number;
  location: string | null;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One request as sent, path and all (no URL normalisation, no redirects followed). */
function raw(method: string, path: string, { cookie, body, headers = {} }: { cookie?: string; body?: string; headers?: Record<string, string> } = {}) {
  const { hostname, port } = new URL(stepup.issuer);
  const sent: Record<string, string | number> = { accept: 'text/html', ...(cookie ? { cookie } : {}), ...headers };
  if (body !== undefined) {
    sent['content-type'] ??= 'application/x-www-form-urlencoded';
    sent['content-length'] = Buffer.byteLength(body);
  }
  return new Promise<Answer>((resolve, reject) => {
    const req = request({ host: hostname, port, method, path, headers: sent }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, location: res.headers.location ?? null, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The same fields as multipart/form-data, the client form's encoding (it may carry a logo file). */
const boundary = 'console-attack-boundary';
const multipart = (fields: Record<string, string | string[]>, file?: { name: string; bytes: Buffer }) => {
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields))
    for (const one of [value].flat()) parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${one}\r\n`));
  if (file) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${file.name}"; filename="logo.png"\r\nContent-Type: image/png\r\n\r\n`));
    parts.push(file.bytes, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(parts).toString('latin1'), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
};

const form = (fields: Record<string, string | string[]>) => {
  const out = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) for (const one of [value].flat()) out.append(name, one);
  return out.toString();
};

/** Every console route from the router itself, so a route added later is in the tables below. */
const openRoutes = ['/assets/console.js', '/admin/callback', '/admin/signed-out'];
const routes = createConsoleRouter({} as ConsoleDeps)
  .stack.flatMap((layer) => layer.methods.filter((method) => method !== 'HEAD').map((method) => ({ method, path: String(layer.path) })))
  .filter((route) => !openRoutes.includes(route.path));
const personActions = ['disable', 'enable', 'unlock', 'reset-second-factor', 'revoke-sessions', 'roles'];

/** The route's path with real ids, one path per person action. */
const pathsOf = (path: string, ids: { clientId: string; userId: string }) =>
  (path.includes(':action') ? personActions.map((action) => path.replace(':action', action)) : [path]).map((p) =>
    p.replace(':clientId', ids.clientId).replace(':userId', ids.userId).replace(':browserId', 'no-such-browser'),
  );

/** A client, a signed-in person with a second factor, and the keys: what a forged request would change. */
async function targets() {
  const client = await addClient(stepup.container, { name: 'Target', redirectUris: ['https://target.example/cb'] });
  const personBrowser = new Browser(stepup.issuer);
  const person = await enrolThroughSignIn(stepup, personBrowser, '/account');
  const userId = (await stepup.container.store.accounts.findByEmail(person.email))!.id;
  const state = async () => {
    const secretWorks = await fetch(`${stepup.issuer}/token/revocation`, {
      method: 'POST',
      headers: {
        Authorization: `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}`,
        'Content-Type': 'application/x-www-form-urlencoded',
      },
      body: 'token=not-a-real-token',
    });
    const signedIn = await personBrowser.open('/account');
    return {
      clients: (await listClients(stepup.container, { limit: 500, offset: 0 })).items,
      person: await stepup.container.userAdmin.get(userId),
      keys: await stepup.container.keyAdmin.list(),
      secretWorks: secretWorks.status,
      personSignedIn: signedIn.url.endsWith('/account') && signedIn.status === 200,
    };
  };
  return { ids: { clientId: client.client_id, userId }, state };
}

const toSignIn = (answer: Answer) => answer.status === 303 && /^\/auth\?.*client_id=stepup-console/.test(answer.location ?? '');

const csrfOf = (browser: Browser) => browser.forms().find((f) => f.fields.csrf)!.fields.csrf!;

test('the route table holds every console route', () => {
  expect(routes.length).toBeGreaterThan(20);
  expect(routes).toContainEqual({ method: 'POST', path: '/admin/clients/:clientId/secret' });
});

test('without a console session every route goes to the console sign-in and changes nothing; the admin API bearer token is no substitute', async () => {
  const { ids, state } = target;
  const before = await state();
  // what the snapshot watches is live: the secret works and the person is signed in
  expect(before).toMatchObject({ secretWorks: 200, personSignedIn: true });
  const body = form({ csrf: 'x', name: 'Evil', redirectUris: 'https://evil.example/cb', roles: 'admin' });
  const wrong: string[] = [];
  for (const { method, path } of routes)
    for (const concrete of pathsOf(path, ids))
      for (const headers of [{}, { Authorization: `Bearer ${TOKEN}` }] as Record<string, string>[]) {
        const answer = await raw(method, concrete, { headers, body: method === 'POST' ? body : undefined });
        if (!toSignIn(answer)) wrong.push(`${method} ${concrete} ${Object.keys(headers).join()}: ${answer.status} ${answer.location}`);
      }
  expect(wrong).toEqual([]);
  expect(await state()).toEqual(before);
});

test('with a console session, a POST without its token, with another session’s token, as JSON or as a GET/HEAD changes nothing', async () => {
  const { ids, state } = target;
  const other = new Browser(stepup.issuer);
  await signIn(stepup, other, '/admin', admin);
  await adminBrowser.open('/admin');
  await other.open('/admin');
  const token = csrfOf(adminBrowser);
  const otherToken = csrfOf(other);
  expect(otherToken).not.toBe(token);
  const cookie = adminBrowser.cookieHeader();
  const before = await state();
  const fields = { name: 'Evil', redirectUris: 'https://evil.example/cb', roles: 'admin' };
  const forgeries: [string, { body: string; headers?: Record<string, string> }][] = [
    ['no token', { body: form(fields) }],
    ['the token of another session of the same admin', { body: form({ ...fields, csrf: otherToken }) }],
    ['the token twice', { body: form({ ...fields, csrf: [token, token] }) }],
    ['the token as JSON', { body: JSON.stringify({ ...fields, csrf: token }), headers: { 'content-type': 'application/json' } }],
    ['no token but the bearer token', { body: form(fields), headers: { Authorization: `Bearer ${TOKEN}` } }],
    ['no token, as multipart', multipart(fields)],
    ['the token of another session, as multipart', multipart({ ...fields, csrf: otherToken })],
    ['the token twice, as multipart', multipart({ ...fields, csrf: [token, token] })],
  ];
  const wrong: string[] = [];
  for (const { method, path } of routes.filter((r) => r.method === 'POST'))
    for (const concrete of pathsOf(path, ids)) {
      for (const [what, { body, headers }] of forgeries) {
        const answer = await raw('POST', concrete, { cookie, body, headers });
        if (answer.status !== 403) wrong.push(`${method} ${concrete} with ${what}: ${answer.status}`);
      }
      // the same address by GET or HEAD shows at most a confirmation
      for (const verb of ['GET', 'HEAD']) {
        const answer = await raw(verb, concrete, { cookie });
        if (![200, 303, 404, 405].includes(answer.status)) wrong.push(`${verb} ${concrete}: ${answer.status}`);
      }
    }
  expect(wrong).toEqual([]);
  expect(await state()).toEqual(before);

  // signed out, the old cookie and its token open nothing
  const otherCookie = other.cookieHeader();
  await other.submit('/admin/sign-out');
  const replay = await raw('POST', '/admin/clients', { cookie: otherCookie, body: form({ ...fields, csrf: otherToken }) });
  expect(toSignIn(replay)).toBe(true);
  expect(await state()).toEqual(before);
});

test('a multipart client form over 256 KiB is refused (413) with the reason, and no client is made', async () => {
  await adminBrowser.open('/admin/clients/new');
  const csrf = csrfOf(adminBrowser);
  const cookie = adminBrowser.cookieHeader();
  const names = async () => (await listClients(stepup.container, { limit: 100, offset: 0 })).items.map((client) => client.name);
  // the same form under the limit is taken: the limit, not the encoding, refuses the large one
  const taken = await raw('POST', '/admin/clients', { cookie, ...multipart({ csrf, name: 'Small', redirectUris: 'https://small.example/cb' }) });
  expect(taken.status).toBe(200);
  expect(await names()).toContain('Small');
  const before = await target.state();
  const large = multipart({ csrf, name: 'Huge', redirectUris: 'https://huge.example/cb', padding: 'x'.repeat(300_000) });
  const refused = await raw('POST', '/admin/clients', { cookie, ...large });
  expect(refused.status).toBe(413);
  expect(refused.body).toContain('The form was larger than 256 KiB');
  expect(await names()).not.toContain('Huge');
  expect(await target.state()).toEqual(before);
});

test('the console session ends with the admin’s Stepup session, their admin role or their account', async () => {
  const { container } = stepup;
  const info = { ip: '127.0.0.1', userAgent: 'test' };
  // one admin, signed in again after each ending, and put back where an ending changed them
  const { admin: leaving } = await adminInConsole(stepup);
  const account = async () => (await container.store.accounts.findByEmail(leaving.email))!;
  const endings: [string, (browser: Browser) => Promise<unknown>, () => Promise<unknown>][] = [
    ['signing out everywhere', async () => container.selfService.signOutEverywhere(await account(), info), async () => {}],
    ['an admin revoking their sessions', () => container.userAdmin.revokeSessions(leaving.email), async () => {}],
    ['their account disabled', () => container.userAdmin.setDisabled(leaving.email, true), () => container.userAdmin.setDisabled(leaving.email, false)],
    [
      'their admin role taken away',
      () => container.userAdmin.update(leaving.email, { roles: [] }),
      () => container.userAdmin.update(leaving.email, { roles: ['admin'] }),
    ],
    [
      'signing out of Stepup from another application',
      async (browser) => {
        await browser.open('/session/end');
        await browser.submit('/session/end/confirm', { logout: 'yes' });
      },
      async () => {},
    ],
    ['a password reset', () => resetPasswordByEmail(stepup, leaving.email, 'a brand new password for it'), async () => {}],
  ];
  const wrong: string[] = [];
  for (const [what, end, undo] of endings) {
    const browser = new Browser(stepup.issuer);
    await signIn(stepup, browser, '/admin/clients/new', leaving);
    const cookie = browser.cookieHeader();
    const token = csrfOf(browser);
    const before = await listClients(container, { limit: 500, offset: 0 });
    await end(browser);
    const page = await raw('GET', '/admin/people', { cookie });
    const posted = await raw('POST', '/admin/clients', { cookie, body: form({ csrf: token, name: 'Late', redirectUris: 'https://late.example/cb' }) });
    const closed = (answer: Answer) => toSignIn(answer) || answer.status === 403;
    if (!closed(page) || !closed(posted)) wrong.push(`${what}: GET ${page.status} ${page.location}, POST ${posted.status} ${posted.location}`);
    expect((await listClients(container, { limit: 500, offset: 0 })).total).toBe(before.total);
    await undo();
  }
  expect(wrong).toEqual([]);
});

test('a sign-in code and state planted in an admin’s browser, or a callback replayed, opens no console session', async () => {
  // the attacker, an admin too, gets a code for the console client in their own browser
  const attacker = new Browser(stepup.issuer);
  await signIn(stepup, attacker, '/admin', admin);
  const verifier = 'attacker-verifier-0123456789-0123456789-abcdef';
  const query = new URLSearchParams({
    client_id: 'stepup-console',
    response_type: 'code',
    scope: 'openid',
    redirect_uri: `${stepup.issuer}/admin/callback`,
    state: 'attacker-state',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  });
  await attacker.open(`/auth?${query}`);
  const planted = attacker.page.url;
  expect(planted).toMatch(/\/admin\/callback\?code=[^&]+&state=attacker-state/);
  expect(attacker.page.status).toBe(400);

  // the victim has started a sign-in of their own, or none at all
  for (const started of [true, false]) {
    const victim = new Browser(stepup.issuer);
    if (started) await victim.open('/admin');
    await victim.open(planted);
    expect(victim.page.status).toBe(400);
    expect(victim.setCookieLines.some((line) => line.startsWith('stepup.console='))).toBe(false);
  }
  const bare = await raw('GET', new URL(planted).pathname + new URL(planted).search);
  expect(bare.status).toBe(400);

  // a finished sign-in's callback, replayed in the same browser or another, is spent
  const callback = adminBrowser.visited.find((url) => url.includes('/admin/callback?'))!;
  for (const replaying of [adminBrowser, new Browser(stepup.issuer)]) {
    const lines = replaying.setCookieLines.length;
    await replaying.open(callback);
    expect(replaying.page.status).toBe(400);
    expect(replaying.setCookieLines.slice(lines).some((line) => /^stepup\.console=[^;]/.test(line))).toBe(false);
  }
});

test('only console pages are returned to after signing in: encoded slashes, backslashes, dot segments, the API and other hosts go to /admin', async () => {
  const returnTo = async (path: string) => {
    const answer = await raw('GET', path);
    expect([path, answer.status]).toEqual([path, 303]);
    const line = [answer.headers['set-cookie'] ?? []].flat().find((l) => l.startsWith('stepup.console.signin='))!;
    return JSON.parse(Buffer.from(line.split(';')[0]!.slice('stepup.console.signin='.length), 'base64url').toString()).returnTo as string;
  };
  const kept = ['/admin', '/admin/clients?search=Paged&page=2', '/admin/people/abc-123'];
  for (const path of kept) expect(await returnTo(path)).toBe(path);
  const hostile = [
    '/admin/clients/%2F%2Fevil.example',
    '/admin/clients/%5C%5Cevil.example',
    '/admin/clients/..%2F..%2Faccount',
    '/admin/people/..',
    '/admin/people/x/..',
    '/admin/clients/x%0d%0aLocation:%20https:%2F%2Fevil.example',
    '/admin/people/x?next=//evil.example',
    '/admin/people/x?next=\\\\evil.example',
    '/admin/keys?next=https://evil.example',
    '/admin/activity?email=/%2Fevil.example',
  ];
  const wrong: string[] = [];
  for (const path of hostile) {
    const to = await returnTo(path);
    if (to !== '/admin') wrong.push(`${path} -> ${to}`);
  }
  expect(wrong).toEqual([]);
  // the API is never a console page
  expect((await raw('GET', '/admin/api/v1/clients')).status).toBe(401);
});

test('behind https the console cookies are Secure, httpOnly, signed and kept to /admin; the session cookie is SameSite=Strict', async () => {
  const issuer = 'https://id.example.test';
  const tls = await startStepup({ ISSUER: issuer, TRUST_PROXY: 'true' }, cheapHashing);
  try {
    const browser = new Browser(issuer, { origin: tls.issuer, headers: { 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'id.example.test' } });
    await adminInConsole(tls, browser);
    expect(browser.page.url).toBe(`${issuer}/admin`);
    const lines = browser.setCookieLines.filter((line) => line.startsWith('stepup.console'));
    expect(lines.map((line) => line.split('=')[0])).toEqual(
      expect.arrayContaining(['stepup.console.signin', 'stepup.console.signin.sig', 'stepup.console', 'stepup.console.sig']),
    );
    for (const line of lines)
      expect([line, /;\s*secure/i.test(line), /;\s*httponly/i.test(line), /;\s*path=\/admin(;|$)/i.test(line)]).toEqual([line, true, true, true]);
    const session = lines.find((line) => /^stepup\.console=[^;]/.test(line))!;
    expect(session).toMatch(/samesite=strict/i);
    // a session cookie: the idle timeout is kept on the server
    expect(session).not.toMatch(/expires=|max-age=/i);
  } finally {
    await tls.stop();
  }
});

test('what people and applications can choose (emails typed, browsers, forwarded IPs, client names, redirect URIs, audit details, role names) is escaped in every console page and chart', async () => {
  const browser = adminBrowser;
  const person = await createPerson(stepup);
  const userId = (await stepup.container.store.accounts.findByEmail(person.email))!.id;
  const client = await addClient(stepup.container, {
    name: '</title><script>alert(1)</script>"><svg onload=alert(1)>',
    redirectUris: ["https://x.example/cb?a='onmouseover='alert(1)"],
  });
  // failed sign-ins from a browser and an address the attacker chose, as an unknown email and as the person
  const hostile = new Browser(stepup.issuer, {
    origin: stepup.issuer,
    headers: { 'User-Agent': '"><svg onload=alert(1)>', 'X-Forwarded-For': '</text><script>alert(1)</script>' },
  });
  // an email that is no account's is not recorded at all
  for (const email of ['</title><script>alert(1)</script>@typed.example', person.email]) {
    await hostile.open('/account');
    await hostile.submit('/login', { email, password: 'a wrong guess' });
  }
  // no request writes free text into an audit detail today; one planted in the log must still be escaped
  await stepup.container.audit(
    { ip: null, userAgent: null },
    {
      type: 'code_failed',
      result: 'failed',
      accountId: userId,
      email: person.email,
      channel: '"><svg onload=alert(1)>',
      detail: '</text><script>alert(1)</script>',
    },
  );
  // nor can a role name hold markup (the API's rule); one written straight to the store is escaped too
  await stepup.container.store.accounts.update(userId, { roles: ['</title><script>alert(1)</script>'] });
  const unescaped = /<script>alert|<svg onload|onmouseover='/;
  const pages = [
    '/admin?range=1h',
    '/admin/activity',
    '/admin/activity?result=failed',
    `/admin/people/${userId}`,
    `/admin/people?search=${encodeURIComponent(person.email)}`,
    '/admin/clients',
    `/admin/clients/${client.client_id}`,
    `/admin/clients/${client.client_id}/edit`,
    `/admin/clients/${client.client_id}/secret`,
    `/admin/clients/${client.client_id}/remove`,
  ];
  const all: string[] = [];
  for (const path of pages) {
    await browser.open(path);
    expect([path, browser.page.status]).toEqual([path, 200]);
    expect([path, unescaped.exec(browser.page.html)?.[0]]).toEqual([path, undefined]);
    all.push(browser.page.html);
  }
  // the payloads were there to escape: in the charts' text and titles and in the tables
  const html = all.join('\n');
  expect(html).not.toContain('typed.example');
  expect(html).toMatch(/<text [^>]*>&lt;\/text&gt;&lt;script&gt;alert\(1\)/);
  expect(html).toMatch(/<title [^>]*>IP addresses with the most failures: &lt;\/text&gt;&lt;script&gt;/);
  expect(html).toMatch(/<title [^>]*>Failures by reason: [^<]*code failed: &lt;\/text&gt;&lt;script&gt;/);
  expect(html).toContain('<td>&lt;/text&gt;&lt;script&gt;alert(1)&lt;/script&gt;</td>');
  expect(html).toContain('<td>&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;</td>');
  expect(html).toContain('<td>&quot;&gt;&lt;svg onload=alert(1)&gt;</td>');
  expect(html).toContain('<h1 id="client-name">&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;svg onload=alert(1)&gt;</h1>');
});

test('hostile query strings and form fields get a clear 400 (or 403, 404, 413), never a 500, and change nothing', async () => {
  const { ids, state } = target;
  await adminBrowser.open('/admin');
  const cookie = adminBrowser.cookieHeader();
  const csrf = csrfOf(adminBrowser);
  const before = await state();
  const gets: [string, number][] = [
    ['/admin/clients?page=-1', 400],
    ['/admin/clients?page=0', 400],
    ['/admin/clients?page=99999999999', 400],
    ['/admin/clients?page=1.5', 400],
    ['/admin/clients?page=1&page=2', 400],
    ['/admin/clients?search=a&search=b', 400],
    ['/admin/people?page=abc', 400],
    ['/admin/people?search=%00', 400],
    ['/admin/activity?since=2026-02-30', 400],
    ['/admin/activity?until=tomorrow', 400],
    ['/admin/activity?since=9999999d', 400],
    ['/admin/activity?since=2026-11-01T00:00:00%2B99:99', 400],
    ['/admin/activity?type=login_ok&type=lockout', 400],
    ['/admin/activity?email=a%3Cb', 400],
    ['/admin/activity?client=a/b', 400],
    ['/admin/deliveries?since=-1d', 400],
    ['/admin?range=1y', 400],
    ['/admin?range=24h&range=7d', 400],
    // parameters no page knows are ignored, as every web page does
    ['/admin/people?unknown=1&search[$ne]=x', 200],
    ['/admin/activity?since=999999d&until=0001-01-01', 200],
    ['/admin/clients/%00', 404],
    [`/admin/clients/${'a'.repeat(101)}`, 404],
    ['/admin/clients/%E0%A4%A', 404],
    [`/admin/people/${ids.userId}/__proto__`, 404],
    [`/admin/people/${ids.userId}/constructor`, 404],
    ['/admin/people/..%2F..%2Fetc', 404],
    [`/admin/people/${ids.userId}?done=__proto__`, 200],
  ];
  const big = 'x'.repeat(200_000);
  const posts: [string, Record<string, string | string[]>, number][] = [
    ['/admin/clients', { name: ['a', 'b'], redirectUris: 'https://a.example/cb' }, 400],
    // a field named after Object.prototype is dropped by the form parser: the form comes back, naming the name field
    ['/admin/clients', { 'name[toString]': 'a', redirectUris: 'https://a.example/cb' }, 200],
    ['/admin/clients', { name: 'Big', redirectUris: big }, 413],
    ['/admin/clients', { name: 'Long', redirectUris: 'x'.repeat(44_001) }, 400],
    [`/admin/clients/${ids.clientId}`, { name: 'Changed', redirectUris: 'https://a.example/cb', mfaPolicy: ['required', 'on-request'] }, 400],
    // the person's page, saying the form was not valid
    [`/admin/people/${ids.userId}/roles`, { roles: ['admin', 'x'] }, 200],
    [`/admin/people/${ids.userId}/roles/confirm`, { roles: 'a'.repeat(2001) }, 400],
    [`/admin/people/${ids.userId}/roles`, { roles: 'admin!' }, 200],
    [`/admin/people/not-a-person/disable`, {}, 404],
    ['/admin/clients/not-a-client/remove', {}, 404],
  ];
  const wrong: string[] = [];
  for (const [path, expected] of gets) {
    const answer = await raw('GET', path, { cookie });
    if (answer.status !== expected) wrong.push(`GET ${path}: ${answer.status}, not ${expected}`);
  }
  for (const [path, fields, expected] of posts) {
    const answer = await raw('POST', path, { cookie, body: form({ ...fields, csrf }) });
    if (answer.status !== expected) wrong.push(`POST ${path}: ${answer.status}, not ${expected}`);
  }
  expect(wrong).toEqual([]);
  expect(await state()).toEqual(before);
});

test('every console page is uncached and unframeable, as are its refusals and errors; a shown secret is in no URL and no storage', async () => {
  const { ids } = target;
  await adminBrowser.open('/admin');
  const cookie = adminBrowser.cookieHeader();
  const csrf = csrfOf(adminBrowser);
  const guarded = (answer: Answer) =>
    answer.headers['cache-control'] === 'no-store' &&
    answer.headers['x-frame-options'] === 'DENY' &&
    String(answer.headers['content-security-policy']).includes("frame-ancestors 'none'");
  const wrong: string[] = [];
  for (const { path } of routes.filter((r) => r.method === 'GET'))
    for (const concrete of pathsOf(path, ids)) {
      const answer = await raw('GET', concrete, { cookie });
      if (!guarded(answer)) wrong.push(`GET ${concrete}: ${answer.status} ${answer.headers['cache-control']} ${answer.headers['x-frame-options']}`);
    }
  const refusals = [
    await raw('GET', '/admin/activity?type=nonsense', { cookie }),
    await raw('GET', '/admin/clients/nope', { cookie }),
    await raw('POST', '/admin/clients', { cookie, body: form({ name: 'x' }) }),
    await raw('GET', '/admin/callback?code=x&state=y'),
    await raw('GET', '/admin'),
  ];
  for (const answer of refusals) if (!guarded(answer)) wrong.push(`refusal ${answer.status}: ${answer.headers['cache-control']}`);
  expect(wrong).toEqual([]);

  const created = await raw('POST', '/admin/clients', { cookie, body: form({ csrf, name: 'Shown once', redirectUris: 'https://once.example/cb' }) });
  const rotated = await raw('POST', `/admin/clients/${ids.clientId}/secret`, { cookie, body: form({ csrf }) });
  const stored = await rawStorage(stepup);
  for (const answer of [created, rotated]) {
    const secret = /id="client-secret">([^<]+)</.exec(answer.body)![1]!;
    expect([answer.status, answer.location, guarded(answer)]).toEqual([200, null, true]);
    expect(stored).not.toContain(secret);
  }
});

test('every change from the console is audited with the admin’s account id, IP address and browser', async () => {
  const client = await addClient(stepup.container, { name: 'Audited', redirectUris: ['https://audited.example/cb'] });
  const person = await createPerson(stepup);
  const userId = (await stepup.container.store.accounts.findByEmail(person.email))!.id;
  const adminId = (await stepup.container.store.accounts.findByEmail(admin.email))!.id;
  const publicKey = { kty: 'EC', crv: 'P-256', x: 'x'.repeat(43), y: 'y'.repeat(43) } as const;
  const remembered = await stepup.container.stepup.rememberedBrowsers.remember(userId, { browserHash: 'h', publicKey, userAgent: null }, stepup.clock.now(), 7);
  await adminBrowser.open('/admin');
  const cookie = adminBrowser.cookieHeader();
  const csrf = csrfOf(adminBrowser);
  const headers = { 'User-Agent': 'Auditing browser/1.0', 'X-Forwarded-For': '198.51.100.7' };
  const changes: [string, Record<string, string>][] = [
    ['/admin/clients', { name: 'Audited too', redirectUris: 'https://audited.example/cb' }],
    [`/admin/clients/${client.client_id}`, { name: 'Audited renamed', redirectUris: 'https://audited.example/cb' }],
    [`/admin/clients/${client.client_id}/secret`, {}],
    [`/admin/people/${userId}/remembered-browsers/${remembered.keyId}/forget`, {}],
    ...personActions.map((action): [string, Record<string, string>] => [`/admin/people/${userId}/${action}`, action === 'roles' ? { roles: 'support' } : {}]),
    ['/admin/keys/rotate', {}],
    [`/admin/clients/${client.client_id}/remove`, {}],
  ];
  // the table covers every POST route that changes something
  // (confirming it is you renews the session's proof, audited as a code check, not as a change)
  const covered = routes.filter(
    (r) =>
      r.method === 'POST' && !['/admin/sign-out', '/admin/people/:userId/roles/confirm'].includes(r.path) && !r.path.startsWith('/admin/confirm-it-is-you'),
  );
  expect(changes.length).toBe(covered.length - 1 + personActions.length);
  const wrong: string[] = [];
  for (const [path, fields] of changes) {
    const since = stepup.clock.now();
    const answer = await raw('POST', path, { cookie, headers, body: form({ ...fields, csrf }) });
    const events = (await stepup.container.store.audit.query({ type: 'admin_change', since, limit: 10 })).filter((e) => e.at >= since);
    const audited = events.some((e) => e.detail?.endsWith(`(by admin ${adminId})`) && e.ip === '198.51.100.7' && e.userAgent === 'Auditing browser/1.0');
    if (answer.status >= 400 || !audited)
      wrong.push(`${path}: ${answer.status}, ${events.map((e) => `${e.detail} ${e.ip} ${e.userAgent}`).join('; ') || 'no event'}`);
    stepup.clock.advance(1000);
  }
  expect(wrong).toEqual([]);
});

test('static files and the admin API do not keep a console session alive; the API refuses the console cookie', async () => {
  const cookie = adminBrowser.cookieHeader();
  expect((await raw('GET', '/admin/keys', { cookie })).status).toBe(200);
  expect((await raw('GET', '/admin/api/v1/clients', { cookie })).status).toBe(401);
  stepup.clock.advance(20 * 60_000);
  expect((await raw('GET', '/assets/console.js', { cookie })).status).toBe(200);
  await raw('GET', '/admin/api/v1/clients', { cookie });
  stepup.clock.advance(11 * 60_000);
  expect(toSignIn(await raw('GET', '/admin/keys', { cookie }))).toBe(true);
});
