import { Browser } from './support/browser.ts';
import { createPerson, enrolThroughSignIn, PASSWORD, totpCode } from './support/people.ts';
import { type RelyingParty, relyingParty } from './support/relying_party.ts';
import { type RunningStepup, rawStorage, startStepup } from './support/stepup.ts';

let stepup: RunningStepup;
let rp: RelyingParty;

beforeAll(async () => {
  // rate limits high enough that only the lockout speaks here; they have their own tests below
  stepup = await startStepup(
    {},
    {
      rateLimits: {
        login: { perIp: 10_000, perAccount: 10_000, windowSeconds: 300 },
        codeCheck: { perIp: 10_000, perAccount: 10_000, windowSeconds: 300 },
        codeSend: { perIp: 10_000, perAccount: 10_000, windowSeconds: 900 },
      },
    },
  );
  rp = await relyingParty(stepup, { firstParty: true });
});
afterAll(() => stepup.stop());

async function loginPage() {
  const browser = new Browser(stepup.issuer);
  await browser.open((await rp.authorize()).url);
  return browser;
}

async function tryPassword(email: string, password: string) {
  const browser = await loginPage();
  await browser.submit('/login', { email, password });
  return browser;
}

const minutes = (n: number) => n * 60_000;

/** A lock page without what differs by interaction (uid, tokens) or by the minute (the wait). */
const lockPage = (html: string) =>
  html
    .replace(/\/interaction\/[^/"]+/g, '')
    .replace(/value="[^"]*"/g, '')
    .replace(/in \d+ minutes \(at [\d:]+ UTC\)/, '');

describe('password lockout', () => {
  test('the fifth wrong password locks for 15 minutes; while locked even the right one is refused the same way', async () => {
    const person = await createPerson(stepup);
    for (let i = 1; i <= 4; i += 1) expect((await tryPassword(person.email, `wrong ${i}`)).page.status).toBe(401);
    const fifth = await tryPassword(person.email, 'wrong 5');
    expect(fifth.page.status).toBe(423);
    expect(fifth.textOf('locked')).toMatch(/You can try again in 15 minutes \(at \d\d:\d\d UTC\)\./);

    const right = await tryPassword(person.email, person.password);
    const wrong = await tryPassword(person.email, 'still wrong');
    expect(right.page.status).toBe(423);
    expect(lockPage(right.page.html)).toBe(lockPage(wrong.page.html));

    stepup.clock.advance(minutes(15) + 1000);
    expect((await tryPassword(person.email, person.password)).page.url).toMatch(/\/enrol$/);
  });

  test('each lockout in a day doubles the period', async () => {
    const person = await createPerson(stepup);
    for (const period of [15, 30, 60]) {
      for (let i = 1; i <= 5; i += 1) await tryPassword(person.email, 'wrong');
      const locked = await tryPassword(person.email, 'wrong');
      expect(locked.textOf('locked')).toContain(`You can try again in ${period} minutes`);
      stepup.clock.advance(minutes(period) + 1000);
    }
  });

  test('an unknown email answers as a known one: the same statuses, lock page and doubling periods', async () => {
    const known = (await createPerson(stepup)).email;
    const unknown = `nobody-${Math.random().toString(36).slice(2)}@example.com`;
    /** Six wrong passwords, the email typed two ways (counted as one): statuses, waits and the lock page. */
    const answers = async (email: string) => {
      const statuses: number[] = [];
      const waits: (string | undefined)[] = [];
      let page = '';
      for (let i = 1; i <= 6; i += 1) {
        const browser = await tryPassword(i % 2 ? email : `  ${email.toUpperCase()} `, `wrong ${i}`);
        statuses.push(browser.page.status);
        if (browser.page.status === 423) page = lockPage(browser.page.html);
        waits.push(browser.textOf('locked')?.replace(/ \(at [\d:]+ UTC\)/, ''));
      }
      return { statuses, waits, page };
    };
    const first = { known: await answers(known), unknown: await answers(unknown) };
    expect(first.known.statuses).toEqual([401, 401, 401, 401, 423, 423]);
    expect(first.known.waits[4]).toBe('There were too many failed attempts to sign in to this account. You can try again in 15 minutes.');
    expect(first.unknown).toEqual(first.known);

    stepup.clock.advance(minutes(15) + 1000);
    const second = { known: await answers(known), unknown: await answers(unknown) };
    expect(second.known.waits[4]).toContain('You can try again in 30 minutes');
    expect(second.unknown).toEqual(second.known);
  });

  test('a successful sign-in resets the count', async () => {
    const person = await createPerson(stepup);
    for (let i = 1; i <= 4; i += 1) await tryPassword(person.email, 'wrong');
    expect((await tryPassword(person.email, person.password)).page.status).toBe(200);
    for (let i = 1; i <= 4; i += 1) expect((await tryPassword(person.email, 'wrong')).page.status).toBe(401);
  });

  test('100 parallel guesses: at most five passwords are checked, then the right one is refused', async () => {
    const person = await createPerson(stepup);
    const browser = await loginPage();
    const form = browser.forms().find((f) => f.action.endsWith('/login'))!;
    const guesses = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        fetch(new URL(form.action, stepup.issuer), {
          method: 'POST',
          redirect: 'manual',
          headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: browser.cookieHeader() },
          body: new URLSearchParams({ ...form.fields, email: person.email, password: `guess ${i}` }),
        }).then((r) => r.status),
      ),
    );
    expect(guesses.filter((status) => status === 401).length).toBeLessThanOrEqual(4);
    expect(guesses.filter((status) => status === 423).length).toBeGreaterThanOrEqual(96);
    expect((await tryPassword(person.email, person.password)).page.status).toBe(423);
  });

  test('an admin unlock lets the person in at once', async () => {
    const person = await createPerson(stepup);
    for (let i = 1; i <= 5; i += 1) await tryPassword(person.email, 'wrong');
    expect((await tryPassword(person.email, person.password)).page.status).toBe(423);
    expect(await stepup.container.userAdmin.unlock(person.email)).toMatchObject({ wasLocked: true });
    expect((await tryPassword(person.email, person.password)).page.url).toMatch(/\/enrol$/);
  });
});

describe('second-factor lockout', () => {
  test('five wrong codes lock the account, counted apart from passwords', async () => {
    const person = await enrolThroughSignIn(stepup, new Browser(stepup.issuer), (await rp.authorize()).url);
    for (let i = 1; i <= 4; i += 1) await tryPassword(person.email, 'wrong');
    const browser = await tryPassword(person.email, person.password);
    expect(browser.page.url).toMatch(/\/second-factor$/);
    const right = await totpCode(stepup, person.secret);
    const wrong = String((Number(right) + 1) % 1_000_000).padStart(6, '0');
    for (let i = 1; i <= 4; i += 1) {
      await browser.submit('/second-factor', { code: wrong });
      expect(browser.page.status).toBe(401);
    }
    await browser.submit('/second-factor', { code: wrong });
    expect(browser.page.status).toBe(423);
    expect(browser.textOf('locked')).toContain('You can try again in 15 minutes');

    // locked: the right code does not help, and the password step is locked too
    const csrf = browser.forms()[0]!.fields.csrf!;
    await browser.post(new URL(browser.page.url).pathname, { csrf, method: 'totp', code: right });
    expect(browser.page.status).toBe(423);
    expect((await tryPassword(person.email, person.password)).page.status).toBe(423);
  });

  test('a password-only sign-in does not reset the count of wrong codes', async () => {
    // someone with the password guesses codes where the application asks for them, and signs
    // in without a second factor where it does not, to start the count afresh
    const onRequest = await relyingParty(stepup, { firstParty: true, mfaPolicy: 'on-request' });
    const person = await enrolThroughSignIn(stepup, new Browser(stepup.issuer), (await rp.authorize()).url);
    const guess = async (times: number) => {
      const browser = new Browser(stepup.issuer);
      await browser.open((await onRequest.authorize({ acr_values: 'urn:stepup:loa:2fa' })).url);
      await browser.submit('/login', { email: person.email, password: person.password });
      expect(browser.page.url).toMatch(/\/second-factor$/);
      const right = await totpCode(stepup, person.secret);
      const wrong = String((Number(right) + 1) % 1_000_000).padStart(6, '0');
      for (let i = 0; i < times; i += 1) await browser.submit('/second-factor', { code: wrong });
      return browser.page.status;
    };
    expect(await guess(4)).toBe(401);
    const passwordOnly = new Browser(stepup.issuer);
    await passwordOnly.open((await onRequest.authorize()).url);
    await passwordOnly.submit('/login', { email: person.email, password: person.password });
    expect(passwordOnly.page.url).toMatch(/^http:\/\/127\.0\.0\.1:2\/callback\?code=/);
    expect(await guess(1)).toBe(423);
  });
});

describe('rate limits', () => {
  /** Five failed logins posted straight to the login form, each with the headers `headersOf(i)` gives. */
  async function fiveFailedLogins(limited: RunningStepup, headersOf: (i: number) => Record<string, string> = () => ({})) {
    const client = await relyingParty(limited, { firstParty: true });
    const browser = new Browser(limited.issuer);
    await browser.open((await client.authorize()).url);
    const form = browser.forms().find((f) => f.action.endsWith('/login'))!;
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 5; i += 1) {
      const response = await fetch(new URL(form.action, limited.issuer), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: browser.cookieHeader(), ...headersOf(i) },
        body: new URLSearchParams({ ...form.fields, email: `nobody${i}@example.com`, password: 'x' }),
      });
      statuses.push(response.status);
      retryAfter = response.headers.get('retry-after') ?? retryAfter;
    }
    return { browser, statuses, retryAfter };
  }

  test('per IP: past the limit the login answers 429 with Retry-After, whatever the account', async () => {
    const limited = await startStepup({}, { rateLimits: { login: { perIp: 3, perAccount: 100, windowSeconds: 60 } } });
    try {
      const { browser, statuses, retryAfter } = await fiveFailedLogins(limited);
      expect(statuses).toEqual([401, 401, 401, 429, 429]);
      expect(Number(retryAfter)).toBeGreaterThan(0);
      expect(Number(retryAfter)).toBeLessThanOrEqual(60);

      limited.clock.advance(61_000);
      await browser.submit('/login', { email: 'nobody@example.com', password: 'x' });
      expect(browser.page.status).toBe(401);
    } finally {
      await limited.stop();
    }
  });

  // the proxies append the address they received from; everything left of the trusted hops is the client's own writing
  test.each([
    ['true', '198.51.100.7'],
    ['2', '198.51.100.7, 10.0.0.2'],
  ])('TRUST_PROXY=%s: made-up X-Forwarded-For entries neither escape the per-IP limit nor reach the audit log', async (trustProxy, appended) => {
    const limited = await startStepup({ TRUST_PROXY: trustProxy }, { rateLimits: { login: { perIp: 3, perAccount: 100, windowSeconds: 60 } } });
    try {
      const { statuses } = await fiveFailedLogins(limited, (i) => ({ 'X-Forwarded-For': `10.66.0.${i}, 192.0.2.${i}, ${appended}` }));
      expect(statuses).toEqual([401, 401, 401, 429, 429]);
      const failed = await limited.container.auditQueries.query({ type: 'login_failed', since: '1d' });
      expect(failed.length).toBeGreaterThanOrEqual(3);
      expect(new Set(failed.map((event) => event.ip))).toEqual(new Set(['198.51.100.7']));
    } finally {
      await limited.stop();
    }
  });

  test('IPv6: every address of one /64 counts as one client; IPv4-mapped addresses count as their IPv4 address', async () => {
    const limited = await startStepup({ TRUST_PROXY: 'true' }, { rateLimits: { login: { perIp: 3, perAccount: 100, windowSeconds: 60 } } });
    try {
      const sameNetwork = await fiveFailedLogins(limited, (i) => ({ 'X-Forwarded-For': `2001:db8:7:42::${i + 1}` }));
      expect(sameNetwork.statuses).toEqual([401, 401, 401, 429, 429]);
      const nextNetwork = await fiveFailedLogins(limited, (i) => ({ 'X-Forwarded-For': `2001:db8:7:43:${i + 1}::1` }));
      expect(nextNetwork.statuses).toEqual([401, 401, 401, 429, 429]);
      const mapped = await fiveFailedLogins(limited, (i) => ({ 'X-Forwarded-For': i % 2 === 0 ? '203.0.113.9' : '::ffff:203.0.113.9' }));
      expect(mapped.statuses).toEqual([401, 401, 401, 429, 429]);
    } finally {
      await limited.stop();
    }
  });

  test('IPv6: the prefix counted as one client is configurable', async () => {
    const limited = await startStepup(
      { TRUST_PROXY: 'true' },
      { rateLimits: { ipv6PrefixLength: 128, login: { perIp: 3, perAccount: 100, windowSeconds: 60 } } },
    );
    try {
      const { statuses } = await fiveFailedLogins(limited, (i) => ({ 'X-Forwarded-For': `2001:db8:7:42::${i + 1}` }));
      expect(statuses).toEqual([401, 401, 401, 401, 401]);
    } finally {
      await limited.stop();
    }
  });

  test('sign-ins started at /auth (or by PAR) are limited per IP: past the limit 429 with Retry-After, and no interaction is made (issue 27 suspicion)', async () => {
    const limited = await startStepup({}, { rateLimits: { authorization: { perIp: 3, windowSeconds: 60 } } });
    try {
      const client = await relyingParty(limited, { firstParty: true });
      const { url } = await client.authorize();
      // oidc-provider routes /auth/ as /auth: it counts the same
      const spellings = [url, url.replace('/auth?', '/auth/?'), url, url.replace('/auth?', '/auth/?'), url];
      const starts = [];
      for (const spelling of spellings) starts.push(await fetch(spelling, { redirect: 'manual' }));
      expect(starts.map((response) => response.status)).toEqual([303, 303, 303, 429, 429]);
      expect(starts[3]!.headers.get('set-cookie')).toBeNull();
      expect(Number(starts[3]!.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await starts[3]!.text()).toContain('Too many attempts');
      // a pushed authorization request stores a record too: the same limit
      const pushed = await fetch(`${limited.issuer}/request`, { method: 'POST', body: new URLSearchParams({ client_id: client.clientId }) });
      expect(pushed.status).toBe(429);

      limited.clock.advance(61_000);
      expect((await fetch(url, { redirect: 'manual' })).status).toBe(303);
    } finally {
      await limited.stop();
    }
  });

  test('per account: many IPs cannot exceed the account limit', async () => {
    const limited = await startStepup({}, { rateLimits: { login: { perIp: 100, perAccount: 2, windowSeconds: 60 } } });
    try {
      const client = await relyingParty(limited, { firstParty: true });
      const person = await createPerson(limited);
      const statuses: number[] = [];
      for (let i = 0; i < 3; i += 1) {
        const browser = new Browser(limited.issuer);
        await browser.open((await client.authorize()).url);
        await browser.submit('/login', { email: person.email, password: 'wrong' });
        statuses.push(browser.page.status);
      }
      expect(statuses).toEqual([401, 401, 429]);
    } finally {
      await limited.stop();
    }
  });
});

describe('the audit log', () => {
  test('records sign-in steps with client, IP, browser and channel, and never a secret', async () => {
    const browser = new Browser(stepup.issuer);
    const person = await enrolThroughSignIn(stepup, browser, (await rp.authorize()).url);
    await tryPassword(person.email, 'a wrong password');
    await tryPassword('not-an-email-but-maybe-a-password', 'x');
    const account = (await stepup.container.store.accounts.findByEmail(person.email))!;

    const events = await stepup.container.auditQueries.query({ email: person.email, since: '1d' });
    expect(events.map((e) => [e.type, e.result, e.channel])).toEqual([
      ['login_failed', 'failed', 'password'],
      ['enrolment', 'ok', 'totp'],
      ['login_ok', 'ok', 'password'],
      ['admin_change', 'ok', 'admin'],
    ]);
    expect(events[0]).toMatchObject({ accountId: account.id, clientId: rp.clientId, ip: expect.stringMatching(/127\.0\.0\.1/), detail: 'wrong_password' });
    expect(events[0]!.userAgent).toBeTruthy();

    const unknown = (await stepup.container.auditQueries.query({ type: 'login_failed', since: '1d' })).find(
      (e) => e.detail === 'unknown_email' && e.accountId === null,
    );
    expect(unknown).toBeDefined();

    const stored = await rawStorage(stepup);
    const found = [PASSWORD, 'a wrong password', 'not-an-email-but-maybe-a-password', person.secret, ...person.recoveryCodes].filter((secret) =>
      stored.includes(secret),
    );
    expect(found).toEqual([]);
  });

  test('the summary counts by type, channel and result, and names who fails most', async () => {
    const person = await createPerson(stepup);
    for (let i = 0; i < 3; i += 1) await tryPassword(person.email, 'wrong');
    const summary = await stepup.container.auditQueries.summary('1h');
    expect(summary.byType.login_failed).toBeGreaterThanOrEqual(3);
    expect(summary.byResult.failed).toBeGreaterThanOrEqual(3);
    expect(summary.byChannel.password).toBeGreaterThanOrEqual(3);
    expect(summary.topFailingAccounts.map((a) => a.email)).toContain(person.email.toLowerCase());
    expect(summary.topFailingIps[0]!.ip).toMatch(/127\.0\.0\.1/);
  });
});
