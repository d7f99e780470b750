import * as oidc from 'openid-client';
import type { RecordIndex, RecordStore } from '../src/store/ports.ts';
import { Browser } from './support/browser.ts';
import { enrolThroughSignIn, totpCode } from './support/people.ts';
import { type RelyingParty, relyingParty } from './support/relying_party.ts';
import { openRawStore, type RunningStepup, rawStorage, startStepup } from './support/stepup.ts';

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

test('a second account can sign in in the same browser, and gets its own tokens', async () => {
  const browser = new Browser(stepup.issuer);
  const first = await enrolThroughSignIn(stepup, browser, (await rp.authorize()).url);
  // the first person's grant is revoked when the session changes hands; the sign-in goes on
  const switching = await rp.authorize({ prompt: 'login' });
  const second = await enrolThroughSignIn(stepup, browser, switching.url);
  // oidc-provider ends the first person's session with a self-submitting form, as a browser would
  await browser.submit('/session/end/confirm');
  const idOf = async (email: string) => (await stepup.container.store.accounts.findByEmail(email))!.id;
  expect((await switching.exchange(browser.callbackUrl)).claims()!.sub).toBe(await idOf(second.email));

  const silent = await rp.authorize({ prompt: 'none' });
  await browser.open(silent.url);
  expect((await silent.exchange(browser.callbackUrl)).claims()!.sub).toBe(await idOf(second.email));
  expect(await idOf(second.email)).not.toBe(await idOf(first.email));
});

test('an upgrade from keys and records stored in clear signs nobody out, and seals the keys at start', async () => {
  // a public client: its refresh tokens are used once, so the one stored in clear must be spent
  const app = await relyingParty(stepup, { firstParty: true, public: true });
  const browser = new Browser(stepup.issuer);
  const authorization = await app.authorize({ scope: 'openid offline_access', prompt: 'consent' });
  await enrolThroughSignIn(stepup, browser, authorization.url);
  const tokens = await authorization.exchange(browser.callbackUrl);
  const kid = (idToken: string) => (JSON.parse(Buffer.from(idToken.split('.')[0]!, 'base64url').toString()) as { kid: string }).kid;

  // what the version before left: the key ring in clear, and the session, grant and refresh
  // token under their own ids with their payloads in clear
  const ring = await stepup.container.keyRing.load(stepup.clock.now());
  const sessionId = /(?:^|; )_session=([^;]+)/.exec(browser.cookieHeader())![1]!;
  const raw = await openRawStore(stepup);
  try {
    await raw.settings.put('oidc.keys', ring);
    const { grantId } = (await storeInClear(raw.records, 'RefreshToken', tokens.refresh_token!)) as { grantId: string };
    await storeInClear(raw.records, 'Grant', grantId);
    await storeInClear(raw.records, 'Session', sessionId);
  } finally {
    await raw.close();
  }

  // a store that never held clear records never looks for them
  expect(await stepup.container.store.settings.get('records.clearUntil')).toBeNull();
  await stepup.restart();
  // after an upgrade, for as long as a grant may live
  expect(await stepup.container.store.settings.get('records.clearUntil')).toBeGreaterThan(stepup.clock.now() + 300 * 86_400_000);
  const dump = await rawStorage(stepup);
  const privateParts = ring.signing.map((k) => k.jwk.d as string).concat(ring.cookie.map((k) => k.secret));
  expect(privateParts.filter((secret) => dump.includes(secret))).toEqual([]);

  const silent = await app.authorize({ prompt: 'none' });
  await browser.open(silent.url);
  const again = await silent.exchange(browser.callbackUrl);
  expect(again.claims()!.acr).toBe('urn:stepup:loa:2fa');
  expect(kid(again.id_token!)).toBe(kid(tokens.id_token!));
  const refreshed = await oidc.refreshTokenGrant(app.config, tokens.refresh_token!);
  expect(refreshed.claims()!.amr).toEqual(['pwd', 'otp', 'mfa']);
  await expect(oidc.refreshTokenGrant(app.config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
});

/** Moves a record to where the version before hashing ids kept it; returns its payload. */
async function storeInClear(raw: RecordStore, kind: string, id: string) {
  const record = (await stepup.container.store.records.find(kind, id))!;
  await stepup.container.store.records.destroy(kind, id);
  const { grantId, uid, accountId } = record.payload as RecordIndex;
  await raw.upsert(kind, id, record.payload, record.expiresAt, { grantId, uid, accountId });
  return record.payload;
}

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
