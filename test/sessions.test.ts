import { Browser } from './support/browser.ts';
import { enrolThroughSignIn, totpCode } from './support/people.ts';
import { relyingParty, type RelyingParty } from './support/relying_party.ts';
import { startStepup, type RunningStepup } from './support/stepup.ts';

let stepup: RunningStepup;
let rp: RelyingParty;

beforeAll(async () => {
  stepup = await startStepup();
  rp = await relyingParty(stepup, { firstParty: true });
});
afterAll(() => stepup.stop());

test('a signed-in browser gets tokens with prompt=none, also after a restart', async () => {
  const browser = new Browser(stepup.issuer);
  const person = await enrolThroughSignIn(stepup, browser, (await rp.authorize()).url);

  await stepup.restart();

  const authorization = await rp.authorize({ prompt: 'none' });
  await browser.open(authorization.url);
  const tokens = await authorization.exchange(browser.callbackUrl);
  expect(tokens.claims()!.amr).toEqual(['pwd', 'otp', 'mfa']);
  expect(tokens.claims()!.email).toBeUndefined();
  expect(person.email).toBeTruthy();
});

test('prompt=login asks for the password and the second factor again', async () => {
  const browser = new Browser(stepup.issuer);
  const person = await enrolThroughSignIn(stepup, browser, (await rp.authorize()).url);
  const authorization = await rp.authorize({ prompt: 'login' });
  await browser.open(authorization.url);
  expect(browser.page.html).toContain('name="password"');
  await browser.submit('/login', { email: person.email, password: person.password });
  expect(browser.page.url).toMatch(/\/second-factor$/);
  await browser.submit('/second-factor', { code: await totpCode(stepup, person.secret) });
  expect((await authorization.exchange(browser.callbackUrl)).claims()!.acr).toBe('urn:stepup:loa:2fa');
});

test('max_age older than the sign-in asks again; a fresh one does not', async () => {
  const browser = new Browser(stepup.issuer);
  const person = await enrolThroughSignIn(stepup, browser, (await rp.authorize()).url);

  const fresh = await rp.authorize({ max_age: '600' });
  await browser.open(fresh.url);
  const tokens = await fresh.exchange(browser.callbackUrl);
  expect(Math.abs(tokens.claims()!.auth_time! - Date.now() / 1000)).toBeLessThan(120);

  // auth_time is in whole seconds: wait until it is strictly in the past
  await new Promise((resolve) => setTimeout(resolve, 1100));
  const stale = await rp.authorize({ max_age: '0' });
  await browser.open(stale.url);
  expect(browser.page.html).toContain('name="password"');
  await browser.submit('/login', { email: person.email, password: person.password });
  await browser.submit('/second-factor', { code: await totpCode(stepup, person.secret) });
  expect((await stale.exchange(browser.callbackUrl)).claims()!.auth_time).toBeGreaterThan(tokens.claims()!.auth_time!);
});

test('RP-initiated logout ends the session', async () => {
  const browser = new Browser(stepup.issuer);
  const authorization = await rp.authorize();
  await enrolThroughSignIn(stepup, browser, authorization.url);
  const tokens = await authorization.exchange(browser.callbackUrl);

  const { buildEndSessionUrl } = await import('openid-client');
  await browser.open(buildEndSessionUrl(rp.config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: 'http://127.0.0.1:1/bye' }).href);
  expect(browser.page.html).toContain('Sign out');
  const form = browser.forms().find((f) => f.action.includes('/session/end/confirm'))!;
  await browser.post(form.action, { ...form.fields, logout: 'yes' });
  expect(browser.page.url).toBe('http://127.0.0.1:1/bye');

  const silent = await rp.authorize({ prompt: 'none' });
  await browser.open(silent.url);
  expect(browser.callbackUrl.searchParams.get('error')).toBe('login_required');
});

test('RP-initiated logout also ends the account area in that browser', async () => {
  const browser = new Browser(stepup.issuer);
  const authorization = await rp.authorize();
  await enrolThroughSignIn(stepup, browser, authorization.url);
  const tokens = await authorization.exchange(browser.callbackUrl);
  // signed in at Stepup: the account area opens without asking again
  await browser.open('/account');
  expect(browser.page.url).toBe(`${stepup.issuer}/account`);
  expect(browser.page.html).toContain('action="/account/sign-out"');

  const { buildEndSessionUrl } = await import('openid-client');
  await browser.open(buildEndSessionUrl(rp.config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: 'http://127.0.0.1:1/bye' }).href);
  const form = browser.forms().find((f) => f.action.includes('/session/end/confirm'))!;
  await browser.post(form.action, { ...form.fields, logout: 'yes' });
  expect(browser.page.url).toBe('http://127.0.0.1:1/bye');

  await browser.open('/account');
  expect(browser.page.html).toContain('name="password"');
  expect(browser.page.html).not.toContain('action="/account/sign-out"');
});
