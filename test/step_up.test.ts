import { Browser } from './support/browser.ts';
import { updateClient } from './support/clients.ts';
import { enrolThroughSignIn, totpCode } from './support/people.ts';
import { type RelyingParty, relyingParty } from './support/relying_party.ts';
import { type RunningStepup, startStepup } from './support/stepup.ts';

const ACR_1FA = 'urn:stepup:loa:1fa';
const ACR_2FA = 'urn:stepup:loa:2fa';

let stepup: RunningStepup;
let required: RelyingParty;
let onRequest: RelyingParty;

beforeAll(async () => {
  stepup = await startStepup();
  required = await relyingParty(stepup, { firstParty: true });
  onRequest = await relyingParty(stepup, { firstParty: true, mfaPolicy: 'on-request' });
});
afterAll(() => stepup.stop());

/** An enrolled person, then a browser signed in to the on-request client with the password only. */
async function passwordOnlySession() {
  const person = await enrolThroughSignIn(stepup, new Browser(stepup.issuer), (await required.authorize()).url);
  const browser = new Browser(stepup.issuer);
  const authorization = await onRequest.authorize();
  await browser.open(authorization.url);
  await browser.submit('/login', { email: person.email, password: person.password });
  const tokens = await authorization.exchange(browser.callbackUrl);
  return { person, browser, tokens };
}

test('an on-request client gets a password-only sign-in: acr 1fa, amr pwd', async () => {
  const { tokens } = await passwordOnlySession();
  expect(tokens.claims()!.acr).toBe(ACR_1FA);
  expect(tokens.claims()!.amr).toEqual(['pwd']);
});

test.each([
  ['acr_values', { acr_values: ACR_2FA }],
  ['an essential acr claim', { claims: JSON.stringify({ id_token: { acr: { essential: true, value: ACR_2FA } } }) }],
  ['an essential acr claim with values', { claims: JSON.stringify({ id_token: { acr: { essential: true, values: [ACR_2FA] } } }) }],
])('asking for 2fa through %s shows only the second-factor page to a password session', async (_how, params) => {
  const { person, browser } = await passwordOnlySession();
  const authorization = await onRequest.authorize(params);
  const firstPage = browser.visited.length;
  await browser.open(authorization.url);

  expect(browser.page.url).toMatch(/\/second-factor$/);
  expect(browser.visited.slice(firstPage).some((url) => url.endsWith('/login'))).toBe(false);
  expect(browser.page.html).not.toContain('name="password"');

  await browser.submit('/second-factor', { code: await totpCode(stepup, person.secret) });
  const tokens = await authorization.exchange(browser.callbackUrl);
  expect(tokens.claims()!.acr).toBe(ACR_2FA);
  expect(tokens.claims()!.amr).toEqual(['pwd', 'otp', 'mfa']);
});

test('default_acr_values of the client ask for 2fa on every sign-in', async () => {
  const person = await enrolThroughSignIn(stepup, new Browser(stepup.issuer), (await required.authorize()).url);
  await updateClient(stepup.container, onRequest.clientId, { defaultAcr: ACR_2FA });
  try {
    const browser = new Browser(stepup.issuer);
    const authorization = await onRequest.authorize();
    await browser.open(authorization.url);
    await browser.submit('/login', { email: person.email, password: person.password });
    expect(browser.page.url).toMatch(/\/second-factor$/);
    await browser.submit('/second-factor', { code: await totpCode(stepup, person.secret) });
    expect((await authorization.exchange(browser.callbackUrl)).claims()!.acr).toBe(ACR_2FA);
  } finally {
    await updateClient(stepup.container, onRequest.clientId, { defaultAcr: null });
  }
});

test('acr_values listing 1fa too is satisfied by the password', async () => {
  const { browser } = await passwordOnlySession();
  const authorization = await onRequest.authorize({ acr_values: `${ACR_1FA} ${ACR_2FA}` });
  await browser.open(authorization.url);
  expect((await authorization.exchange(browser.callbackUrl)).claims()!.acr).toBe(ACR_1FA);
});

test.each([
  ['acr_values (as from an RFC 9470 challenge)', { acr_values: ACR_2FA }],
  ['an essential acr claim', { claims: JSON.stringify({ id_token: { acr: { essential: true, value: ACR_2FA } } }) }],
])('prompt=none asking for 2fa by %s on a password session answers unmet_authentication_requirements', async (_, asking) => {
  const { browser } = await passwordOnlySession();
  const authorization = await onRequest.authorize({ ...asking, prompt: 'none' });
  await browser.open(authorization.url);
  expect(browser.callbackUrl.searchParams.get('error')).toBe('unmet_authentication_requirements');
  expect(browser.callbackUrl.searchParams.get('code')).toBeNull();
});

test('prompt=none asking for 2fa without any session still answers login_required', async () => {
  const authorization = await onRequest.authorize({ acr_values: ACR_2FA, prompt: 'none' });
  const browser = new Browser(stepup.issuer);
  await browser.open(authorization.url);
  expect(browser.callbackUrl.searchParams.get('error')).toBe('login_required');
});

test('a 2fa session then satisfies the required client without any page', async () => {
  const { person, browser } = await passwordOnlySession();
  const stepUp = await onRequest.authorize({ acr_values: ACR_2FA });
  await browser.open(stepUp.url);
  await browser.submit('/second-factor', { code: await totpCode(stepup, person.secret) });

  const authorization = await required.authorize({ prompt: 'none' });
  await browser.open(authorization.url);
  const tokens = await authorization.exchange(browser.callbackUrl);
  expect(tokens.claims()!.acr).toBe(ACR_2FA);
});

test('a required client never gets a 1fa token from a password session', async () => {
  const { browser } = await passwordOnlySession();
  const authorization = await required.authorize();
  await browser.open(authorization.url);
  expect(browser.page.url).toMatch(/\/second-factor$/);
  const silent = await required.authorize({ prompt: 'none' });
  await browser.open(silent.url);
  expect(browser.callbackUrl.searchParams.get('error')).toBe('interaction_required');
});

describe('mfa_max_age', () => {
  test('an on-request client asking mfa_max_age of a password session gets the second-factor page, then 2fa', async () => {
    const { person, browser } = await passwordOnlySession();
    const authorization = await onRequest.authorize({ mfa_max_age: '60' });
    await browser.open(authorization.url);
    expect(browser.page.url).toMatch(/\/second-factor$/);
    await browser.submit('/second-factor', { code: await totpCode(stepup, person.secret) });
    expect((await authorization.exchange(browser.callbackUrl)).claims()!.acr).toBe(ACR_2FA);
  });

  test('an on-request client asking mfa_max_age without a session gets the password, then the second factor', async () => {
    const person = await enrolThroughSignIn(stepup, new Browser(stepup.issuer), (await required.authorize()).url);
    const browser = new Browser(stepup.issuer);
    const authorization = await onRequest.authorize({ mfa_max_age: '60' });
    await browser.open(authorization.url);
    await browser.submit('/login', { email: person.email, password: person.password });
    expect(browser.page.url).toMatch(/\/second-factor$/);
    await browser.submit('/second-factor', { code: await totpCode(stepup, person.secret) });
    expect((await authorization.exchange(browser.callbackUrl)).claims()!.acr).toBe(ACR_2FA);
  });

  test('a second factor older than mfa_max_age is asked for again, only it, and auth_time stays the password time', async () => {
    const { person, browser, tokens } = await passwordOnlySession();
    const stepUp = await onRequest.authorize({ acr_values: ACR_2FA });
    await browser.open(stepUp.url);
    await browser.submit('/second-factor', { code: await totpCode(stepup, person.secret) });
    await stepUp.exchange(browser.callbackUrl);

    stepup.clock.advance(120_000);
    const stale = await onRequest.authorize({ mfa_max_age: '60' });
    const firstPage = browser.visited.length;
    await browser.open(stale.url);
    expect(browser.page.url).toMatch(/\/second-factor$/);
    expect(browser.visited.slice(firstPage).some((url) => url.endsWith('/login'))).toBe(false);
    await browser.submit('/second-factor', { code: await totpCode(stepup, person.secret) });
    const fresh = (await stale.exchange(browser.callbackUrl)).claims()!;
    expect(fresh.acr).toBe(ACR_2FA);
    expect(fresh.auth_time).toBe(tokens.claims()!.auth_time);

    // within the limit now: no page at all
    const again = await onRequest.authorize({ mfa_max_age: '60', prompt: 'none' });
    await browser.open(again.url);
    expect((await again.exchange(browser.callbackUrl)).claims()!.acr).toBe(ACR_2FA);
  });
});

describe('auth_time after a step-up', () => {
  test('is the time of the password, not of the second factor', async () => {
    const { person, browser, tokens } = await passwordOnlySession();
    const passwordTime = tokens.claims()!.auth_time!;
    stepup.clock.advance(10 * 60_000);
    const stepUp = await onRequest.authorize({ acr_values: ACR_2FA });
    await browser.open(stepUp.url);
    await browser.submit('/second-factor', { code: await totpCode(stepup, person.secret) });
    const claims = (await stepUp.exchange(browser.callbackUrl)).claims()!;
    expect(claims.acr).toBe(ACR_2FA);
    expect(claims.auth_time).toBe(passwordTime);
  });

  test('max_age older than the password asks for the password, even after a fresh second factor', async () => {
    // oidc-provider judges max_age on the system clock: the password is typed with the test
    // clock ten minutes behind it, the second factor with the clocks together again. Codes
    // live longer than those ten minutes here: a code's end is set by the test clock, and
    // MongoDB's TTL index would delete one already past it by the system clock before its exchange.
    const own = await startStepup({}, { ttl: { authorizationCodeSeconds: 15 * 60 } });
    try {
      const ownRequired = await relyingParty(own, { firstParty: true });
      const ownOnRequest = await relyingParty(own, { firstParty: true, mfaPolicy: 'on-request' });
      own.clock.advance(-10 * 60_000);
      const person = await enrolThroughSignIn(own, new Browser(own.issuer), (await ownRequired.authorize()).url);
      const browser = new Browser(own.issuer);
      const passwordOnly = await ownOnRequest.authorize();
      await browser.open(passwordOnly.url);
      await browser.submit('/login', { email: person.email, password: person.password });
      await passwordOnly.exchange(browser.callbackUrl);

      own.clock.advance(Date.now() - own.clock.now());
      const stepUp = await ownOnRequest.authorize({ acr_values: ACR_2FA });
      await browser.open(stepUp.url);
      await browser.submit('/second-factor', { code: await totpCode(own, person.secret) });
      await stepUp.exchange(browser.callbackUrl);

      const recent = await ownOnRequest.authorize({ max_age: '300' });
      await browser.open(recent.url);
      expect(browser.page.url).toMatch(/\/interaction\/[^/]+$/);
      expect(browser.page.html).toContain('name="password"');
    } finally {
      await own.stop();
    }
  });
});
