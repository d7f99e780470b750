import { Browser } from './support/browser.ts';
import { createPerson, enrolThroughSignIn } from './support/people.ts';
import { type RelyingParty, relyingParty } from './support/relying_party.ts';
import { type RunningStepup, startStepup } from './support/stepup.ts';

let stepup: RunningStepup;
let rp: RelyingParty;

beforeAll(async () => {
  stepup = await startStepup();
  rp = await relyingParty(stepup, { firstParty: true });
});
afterAll(() => stepup.stop());

/** A styled page that explains, and shows nothing of the server's insides. */
function expectCleanErrorPage(page: { status: number; html: string }, status: number, text: RegExp) {
  expect(page.status).toBe(status);
  expect(page.html).toContain('<link rel="stylesheet" href="/assets/stepup.css">');
  expect(page.html).toMatch(text);
  expect(page.html).not.toMatch(/at \w+ \(|node_modules|\.ts:\d+|Error:/);
}

test('an unknown interaction id gets an expired sign-in page', async () => {
  const browser = new Browser(stepup.issuer);
  await browser.open(`${stepup.issuer}/interaction/not-a-real-id`);
  expectCleanErrorPage(browser.page, 400, /This sign-in has expired or is not valid/);
});

test("another interaction's id with this browser's cookie is refused", async () => {
  const mine = new Browser(stepup.issuer);
  await mine.open((await rp.authorize()).url);
  const theirs = new Browser(stepup.issuer);
  await theirs.open((await rp.authorize()).url);
  const theirUid = /\/interaction\/([^/?]+)/.exec(theirs.page.url)![1];
  await mine.open(`${stepup.issuer}/interaction/${theirUid}`);
  expectCleanErrorPage(mine.page, 400, /expired or is not valid/);
});

test('an interaction past its lifetime is refused and signs nobody in', async () => {
  const person = await createPerson(stepup);
  const browser = new Browser(stepup.issuer);
  await browser.open((await rp.authorize()).url);
  stepup.clock.advance(31 * 60_000);
  try {
    await browser.submit('/login', { email: person.email, password: person.password });
    expectCleanErrorPage(browser.page, 400, /expired or is not valid/);
  } finally {
    stepup.clock.advance(-31 * 60_000);
  }
});

test('an unknown client gets an error page, not a redirect', async () => {
  const browser = new Browser(stepup.issuer);
  await browser.open(`${stepup.issuer}/auth?client_id=nope&response_type=code&scope=openid&redirect_uri=http://127.0.0.1:1/callback`);
  expectCleanErrorPage(browser.page, 400, /client is invalid|invalid_client/);
});

test('a redirect URI the client did not register gets an error page, not a redirect', async () => {
  const browser = new Browser(stepup.issuer);
  const url = new URL((await rp.authorize()).url);
  url.searchParams.set('redirect_uri', 'https://evil.example/steal');
  await browser.open(url.href);
  expectCleanErrorPage(browser.page, 400, /redirect_uri/);
  expect(browser.visited.some((visited) => visited.startsWith('https://evil.example'))).toBe(false);
});

test('a request object is refused with request_not_supported, sent back by the response_mode written inside it', async () => {
  const unsigned = (claims: object) => `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`;
  const params = { client_id: rp.clientId, response_type: 'code', scope: 'openid', redirect_uri: rp.redirectUri, state: 'outer-state' };
  const formPost = await fetch(`${stepup.issuer}/auth?${new URLSearchParams({ ...params, request: unsigned({ ...params, response_mode: 'form_post' }) })}`, {
    redirect: 'manual',
  });
  // oidc-provider keeps the error's status on the page that posts the error back
  expect(formPost.status).toBe(400);
  const html = await formPost.text();
  expect(html).toContain(`action="${rp.redirectUri}"`);
  expect(html).toMatch(/name="error" value="request_not_supported"/);
  expect(html).toMatch(/name="state" value="outer-state"/);

  // without one (or with nonsense inside), the code flow's query
  for (const request of [unsigned(params), 'not.a-jwt', unsigned({ response_mode: 42 })]) {
    const query = await fetch(`${stepup.issuer}/auth?${new URLSearchParams({ ...params, request })}`, { redirect: 'manual' });
    expect(query.status).toBe(303);
    expect(new URL(query.headers.get('location')!).searchParams.get('error')).toBe('request_not_supported');
  }
});

test('a wrong method on an interaction route gets a 405 page', async () => {
  const browser = new Browser(stepup.issuer);
  await browser.open((await rp.authorize()).url);
  await browser.open(`${browser.page.url}/login`);
  expectCleanErrorPage(browser.page, 405, /This address does not accept that kind of request/);
});

test('an unknown path gets a 404 page', async () => {
  const browser = new Browser(stepup.issuer);
  await browser.open(`${stepup.issuer}/no/such/page`);
  expectCleanErrorPage(browser.page, 404, /There is no page at this address/);
});

describe('forms', () => {
  test('a missing or wrong CSRF token is refused and changes nothing', async () => {
    const person = await createPerson(stepup);
    const browser = new Browser(stepup.issuer);
    await browser.open((await rp.authorize()).url);
    const form = browser.forms().find((f) => f.action.endsWith('/login'))!;

    for (const csrf of ['', 'forged', form.fields.csrf!.slice(1)]) {
      await browser.post(form.action, { csrf, email: person.email, password: person.password });
      expectCleanErrorPage(browser.page, 403, /This form has expired or did not come from this page/);
    }
    await browser.post(form.action, { email: person.email, password: person.password });
    expectCleanErrorPage(browser.page, 400, /The form was incomplete or not valid/);

    // nothing happened: the interaction still waits for the password
    await browser.open(`${stepup.issuer}${new URL(form.action, stepup.issuer).pathname.replace(/\/login$/, '')}`);
    expect(browser.page.html).toContain('name="password"');
  });

  test('repeated fields, missing fields, JSON bodies and oversized bodies get clear 4xx pages', async () => {
    const browser = new Browser(stepup.issuer);
    await browser.open((await rp.authorize()).url);
    const form = browser.forms().find((f) => f.action.endsWith('/login'))!;
    const url = new URL(form.action, stepup.issuer).href;
    const post = (body: string, type = 'application/x-www-form-urlencoded') =>
      fetch(url, { method: 'POST', body, headers: { 'content-type': type, cookie: '' }, redirect: 'manual' });

    const repeated = await browser.post(form.action, { ...form.fields, email: 'a@example.com' }).then(() =>
      fetch(url, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `csrf=${form.fields.csrf}&email=a@example.com&email=b@example.com&password=x`,
      }),
    );
    expect(repeated.status).toBeGreaterThanOrEqual(400);
    expect(repeated.status).toBeLessThan(500);

    for (const response of [
      await post('{"email":{"$gt":""},"password":{"$gt":""}}', 'application/json'),
      await post(`csrf=x&email=${'a'.repeat(100_000)}&password=x`),
      await post('%%%not-urlencoded'),
    ]) {
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      expect(await response.text()).not.toMatch(/at \w+ \(|node_modules/);
    }
  });
});

test('a finished sign-in cannot be replayed with the same interaction', async () => {
  const browser = new Browser(stepup.issuer);
  const authorization = await rp.authorize();
  await enrolThroughSignIn(stepup, browser, authorization.url);
  const interaction = browser.visited.find((url) => /\/interaction\/[^/]+$/.test(url))!;
  await browser.open(interaction);
  expectCleanErrorPage(browser.page, 400, /expired or is not valid/);
});
