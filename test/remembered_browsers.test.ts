import { generateKeyPairSync, sign } from 'node:crypto';
import type { BrowserContext, Browser as Chromium, Page } from 'playwright-core';
import { publicKeyOf, signatureValid, signedText } from '../src/factors/remembered_browsers.ts';
import { Browser } from './support/browser.ts';
import { describeInChromium, launchChromium } from './support/chromium.ts';
import { messagesTo, waitForMessages } from './support/outbox.ts';
import { callbackAfter, typePassword } from './support/passkey_browser.ts';
import { adminInConsole, type Enrolled, enrolThroughSignIn, nextTimeStep, resetPasswordByEmail, totpCode } from './support/people.ts';
import { type RelyingParty, relyingParty } from './support/relying_party.ts';
import { type RunningStepup, startStepup } from './support/stepup.ts';

// Remembered browsers (issue 31, items 4-6): a browser the person ticks is remembered by a
// non-extractable WebCrypto key in its IndexedDB; a later sign-in in it signs the server's
// challenge instead of typing a code, and the tokens say so (amr pwd pop mfa). Its cookies alone,
// copied elsewhere, prove nothing.

const maybe = describeInChromium('remembered browser tests');
const ACR_2FA = 'urn:stepup:loa:2fa';
const TOKEN = 'remembered-browsers-admin-token-0123456789';

let stepup: RunningStepup;
let chromium: Chromium;
let app: RelyingParty;

async function newPage(context?: BrowserContext): Promise<{ context: BrowserContext; page: Page }> {
  const ctx = context ?? (await chromium.newContext());
  const page = await ctx.newPage();
  page.setDefaultTimeout(8000);
  await page.route('http://127.0.0.1:2/**', (route) => route.fulfill({ status: 200, body: 'signed in' }));
  return { context: ctx, page };
}

/** A person enrolled with an authenticator app (through the plain HTTP browser). */
async function enrolled(): Promise<Enrolled> {
  const other = await relyingParty(stepup, { firstParty: true });
  return enrolThroughSignIn(stepup, new Browser(stepup.issuer), (await other.authorize()).url);
}

const accountIdOf = async (email: string) => (await stepup.container.store.accounts.findByEmail(email))!.id;
const rememberedOf = async (email: string) => stepup.container.stepup.rememberedBrowsers.list(await accountIdOf(email));

/** Password and app code at `at`, ticking "Remember this browser"; answers the ID token's claims. */
async function signInAndRemember(page: Page, person: Enrolled, at = app) {
  const authorization = await at.authorize();
  await page.goto(authorization.url);
  await typePassword(page, person);
  nextTimeStep(stepup);
  await page.getByLabel('Authenticator app').fill(await totpCode(stepup, person.secret));
  await page.getByLabel('Remember this browser for 7 days').check();
  const callback = await callbackAfter(page, () => page.getByRole('button', { name: 'Continue' }).click());
  return (await authorization.exchange(callback)).claims()!;
}

/** A fresh sign-in (prompt=login) in which the password alone is typed; answers the claims when it reached the application, else null. */
async function signInByPasswordOnly(page: Page, person: Enrolled, params: Record<string, string> = {}, at = app) {
  const authorization = await at.authorize({ prompt: 'login', ...params });
  await page.goto(authorization.url);
  const reached = page.waitForRequest((r) => r.url().startsWith('http://127.0.0.1:2/callback'), { timeout: 15_000 }).catch(() => null);
  // or the code is asked: the second-factor page offers no remembered browser's signature, or
  // this browser holds no key for the one it offers (remember.js says so on the form). A wait
  // ends when its page navigates away, as the password's page does: wait again on the next page.
  const asked = (async () => {
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && !page.isClosed()) {
      try {
        await page.waitForFunction(
          `location.pathname.endsWith('/second-factor') && document.readyState === 'complete' &&
            [...document.querySelectorAll('form[data-remembered-sign]')].every((form) => form.dataset.keyHeld === 'no')`,
          null,
          { timeout: Math.max(1, deadline - Date.now()) },
        );
        return null;
      } catch {}
    }
    // the page went on (a signature was posted): the callback decides
    return new Promise<null>(() => undefined);
  })();
  await typePassword(page, person);
  const request = await Promise.race([reached, asked]);
  if (!request) return null;
  return (await authorization.exchange(new URL(request.url()))).claims()!;
}

/** The second-factor page asks for the app's code (the remembered browser did not stand in). */
async function asksTheCode(page: Page) {
  await page.getByLabel('Authenticator app').waitFor();
  expect(new URL(page.url()).pathname).toMatch(/\/second-factor$/);
}

maybe('remembered browsers', () => {
  beforeAll(async () => {
    stepup = await startStepup({ ADMIN_TOKEN: TOKEN });
    chromium = await launchChromium();
    app = await relyingParty(stepup, { firstParty: true, rememberBrowserDays: 7 });
  });
  afterAll(async () => {
    await chromium?.close();
    await stepup?.stop();
  });

  test('a ticked browser signs the next sign-in in place of the code: acr 2fa, amr exactly pwd pop mfa', async () => {
    const person = await enrolled();
    const { context, page } = await newPage();
    const first = await signInAndRemember(page, person);
    expect(first.acr).toBe(ACR_2FA);
    expect(first.amr).toEqual(['pwd', 'otp', 'mfa']);
    const [remembered] = await rememberedOf(person.email);
    expect(remembered).toMatchObject({ name: expect.stringContaining('Chrom') });
    // only the public key is kept
    expect(Object.keys(remembered!.publicKey).sort()).toEqual(['crv', 'kty', 'x', 'y']);

    // the first sign-in from this browser was announced; the remembered one, which matched it, is not
    const announced = await waitForMessages(stepup, person.email, 'New sign-in');
    stepup.clock.advance(60_000);
    const second = await signInByPasswordOnly(page, person);
    expect(second?.acr).toBe(ACR_2FA);
    expect(second?.amr).toEqual(['pwd', 'pop', 'mfa']);
    await stepup.container.stepup.alert.settled();
    expect(messagesTo(stepup, person.email).filter((m) => m.subject.includes('New sign-in'))).toHaveLength(announced.length);
    const audit = (await stepup.container.store.audit.query({ email: person.email, limit: 50 })).map((e) => `${e.type} ${e.result}`);
    expect(audit).toEqual(expect.arrayContaining(['remembered ok', 'remembered_used ok']));
    await context.close();
  });

  test('the same cookies copied into another browser, without the key, are asked the code', async () => {
    const person = await enrolled();
    const { context, page } = await newPage();
    await signInAndRemember(page, person);
    const { context: thief, page: thiefPage } = await newPage();
    await thief.addCookies(await context.cookies());
    expect(await signInByPasswordOnly(thiefPage, person)).toBeNull();
    await asksTheCode(thiefPage);
    await thief.close();
    await context.close();
  });

  test('a client without remember_browser_days never shows the box, and a hand-made POST is refused', async () => {
    const person = await enrolled();
    const { context, page } = await newPage();
    await signInAndRemember(page, person);
    const plain = await relyingParty(stepup, { firstParty: true });
    expect(await signInByPasswordOnly(page, person, {}, plain)).toBeNull();
    await asksTheCode(page);
    expect(await page.getByText('Remember this browser').count()).toBe(0);
    // a hand-made answer, and a hand-made key with a code: neither signs in, nothing is remembered
    const csrf = await page.locator('input[name=csrf]').first().inputValue();
    const base = page.url().replace(/\/second-factor$/, '');
    const [remembered] = await rememberedOf(person.email);
    const forged = await page.request.post(`${base}/second-factor/remembered`, {
      form: { csrf, key_id: remembered!.keyId, challenge: 'c'.repeat(43), signature: 'A'.repeat(86) },
      maxRedirects: 0,
    });
    expect(forged.status()).toBe(303);
    expect(forged.headers().location).toContain('/second-factor?remembered=refused');
    nextTimeStep(stepup);
    const code = await totpCode(stepup, person.secret);
    const key = JSON.stringify({ ...remembered!.publicKey, x: remembered!.publicKey.x });
    const withKey = await page.request.post(`${base}/second-factor`, {
      form: { csrf, method: 'totp', code, remember: 'on', remember_key: key },
      maxRedirects: 0,
    });
    expect(withKey.status()).toBe(303);
    expect(await rememberedOf(person.email)).toHaveLength(1);
    await context.close();
  });

  test("mfa_max_age shorter than the key's real factor asks the real factor", async () => {
    const person = await enrolled();
    const { context, page } = await newPage();
    await signInAndRemember(page, person);
    stepup.clock.advance(2 * 3_600_000);
    expect(await signInByPasswordOnly(page, person, { mfa_max_age: '3600' })).toBeNull();
    await asksTheCode(page);
    // a longer one is met by the key
    const met = await signInByPasswordOnly(page, person, { mfa_max_age: '86400' });
    expect(met?.amr).toEqual(['pwd', 'pop', 'mfa']);
    await context.close();
  });

  test("a challenge answers once: a replayed signature is refused, the page's next challenge passes", async () => {
    const person = await enrolled();
    const { context, page } = await newPage();
    await signInAndRemember(page, person);
    // the page's signed answer, held back
    await page.route('**/second-factor/remembered', (route) => route.abort());
    const authorization = await app.authorize({ prompt: 'login' });
    await page.goto(authorization.url);
    const sent = page.waitForRequest((request) => request.url().endsWith('/second-factor/remembered'));
    await typePassword(page, person);
    const held = { url: (await sent).url(), body: (await sent).postData() ?? '' };
    const form = Object.fromEntries(new URLSearchParams(held.body));
    const post = (fields: Record<string, string>) => page.request.post(held.url, { form: fields, maxRedirects: 0 });
    // a wrong signature spends the challenge …
    const wrong = await post({ ...form, signature: `${form.signature!.slice(0, -2)}AA` });
    expect(wrong.headers().location).toContain('remembered=refused');
    // … so the right one, replayed after, is refused too
    const replayed = await post(form);
    expect(replayed.headers().location).toContain('remembered=refused');
    // the page's next challenge, signed again by the browser, passes
    await page.unroute('**/second-factor/remembered');
    const callback = await callbackAfter(page, () => page.goto(held.url.replace(/\/remembered$/, '')));
    expect((await authorization.exchange(callback)).claims()!.amr).toEqual(['pwd', 'pop', 'mfa']);
    await context.close();
  });

  test('without JavaScript nothing is remembered, and the page says so', async () => {
    const person = await enrolled();
    const noScript = await chromium.newContext({ javaScriptEnabled: false });
    const { page } = await newPage(noScript);
    const authorization = await app.authorize();
    await page.goto(authorization.url);
    await typePassword(page, person);
    await page.getByLabel('Authenticator app').waitFor();
    await page.getByText('This browser cannot be remembered').waitFor();
    expect(await page.getByLabel('Remember this browser for 7 days').isVisible()).toBe(false);
    nextTimeStep(stepup);
    await page.getByLabel('Authenticator app').fill(await totpCode(stepup, person.secret));
    await callbackAfter(page, () => page.getByRole('button', { name: 'Continue' }).click());
    expect(await rememberedOf(person.email)).toHaveLength(0);
    await noScript.close();
  });

  test('a password change ends it', async () => {
    const person = await enrolled();
    const { context, page } = await newPage();
    await signInAndRemember(page, person);
    const account = (await stepup.container.store.accounts.findByEmail(person.email))!;
    const changed = await stepup.container.passwords.change(account, person.password, 'a brand new passphrase here', { ip: null, userAgent: null });
    expect(changed).toMatchObject({ ok: true });
    expect(await rememberedOf(person.email)).toHaveLength(0);
    expect(await signInByPasswordOnly(page, { ...person, password: 'a brand new passphrase here' })).toBeNull();
    await asksTheCode(page);
    await context.close();
  });

  test('forgotten at /account, the browser is asked the code again', async () => {
    const person = await enrolled();
    const { context, page } = await newPage();
    await signInAndRemember(page, person);
    // the app's 2fa session opens the account area
    await page.goto(`${stepup.issuer}/account`);
    if (!new URL(page.url()).pathname.startsWith('/account')) {
      await typePassword(page, person).catch(() => undefined);
    }
    await page.getByRole('heading', { name: 'Remembered browsers' }).waitFor();
    const [remembered] = await rememberedOf(person.email);
    await expect(page.locator('#remembered-browsers').textContent()).resolves.toContain(remembered!.name);
    await page.getByRole('button', { name: `Forget ${remembered!.name}` }).click();
    await page.getByText('The browser is no longer remembered').waitFor();
    expect(await rememberedOf(person.email)).toHaveLength(0);
    const audit = (await stepup.container.store.audit.query({ email: person.email, limit: 50 })).map((e) => `${e.type} ${e.result}`);
    expect(audit).toContain('remembered_removed ok');
    expect(await signInByPasswordOnly(page, person)).toBeNull();
    await asksTheCode(page);
    await context.close();
  });

  test("forgotten on the console's person page", async () => {
    const person = await enrolled();
    const { context, page } = await newPage();
    await signInAndRemember(page, person);
    const { browser } = await adminInConsole(stepup);
    const id = await accountIdOf(person.email);
    await browser.open(`/admin/people/${id}`);
    const [remembered] = await rememberedOf(person.email);
    expect(browser.textOf('remembered-browsers')).toContain(remembered!.name);
    await browser.submit(`/remembered-browsers/${encodeURIComponent(remembered!.keyId)}/forget`);
    expect(browser.page.html).toContain('The browser is forgotten');
    expect(await rememberedOf(person.email)).toHaveLength(0);
    const audit = (await stepup.container.store.audit.query({ email: person.email, limit: 50 })).map((e) => `${e.type} ${e.detail}`);
    expect(audit).toEqual(expect.arrayContaining([expect.stringMatching(/^remembered_removed .*by an administrator/)]));
    await context.close();
  });

  test('forgotten through the admin API, the browser is asked the code again', async () => {
    const person = await enrolled();
    const { context, page } = await newPage();
    await signInAndRemember(page, person);
    const api = async (method: string, path: string) => {
      const response = await fetch(`${stepup.issuer}/admin/api/v1${path}`, { method, headers: { Authorization: `Bearer ${TOKEN}` } });
      return { status: response.status, body: (await response.json()) as { browsers: { id: string }[]; forgotten: { id: string } } };
    };
    const listed = await api('GET', `/users/${encodeURIComponent(person.email)}/remembered-browsers`);
    expect(listed.status).toBe(200);
    expect(listed.body.browsers).toHaveLength(1);
    expect(listed.body.browsers[0]).toMatchObject({
      name: expect.stringContaining('Chrom'),
      first_used_at: expect.any(String),
      expires_at: expect.any(String),
    });
    const id = listed.body.browsers[0]!.id;
    const forgotten = await api('DELETE', `/users/${encodeURIComponent(person.email)}/remembered-browsers/${encodeURIComponent(id)}`);
    expect(forgotten.status).toBe(200);
    expect(forgotten.body.forgotten.id).toBe(id);
    expect((await api('DELETE', `/users/${encodeURIComponent(person.email)}/remembered-browsers/${encodeURIComponent(id)}`)).status).toBe(404);
    expect(await signInByPasswordOnly(page, person)).toBeNull();
    await asksTheCode(page);
    await context.close();
  });

  // every credential change and revocation ends them, through records.revokeByAccountId
  test.each([
    [
      'a password reset',
      async (person: Enrolled) => expect(await resetPasswordByEmail(stepup, person.email, 'another brand new passphrase')).toBeLessThan(400),
    ],
    [
      'sign-out everywhere',
      async (person: Enrolled) => {
        const account = (await stepup.container.store.accounts.findByEmail(person.email))!;
        await stepup.container.selfService.signOutEverywhere(account, { ip: null, userAgent: null });
      },
    ],
    ['a factor reset', async (person: Enrolled) => void (await stepup.container.userAdmin.resetSecondFactor(person.email))],
    ['disabling the account', async (person: Enrolled) => void (await stepup.container.userAdmin.setDisabled(person.email, true))],
  ])('%s ends them', async (_name, end) => {
    const person = await enrolled();
    const { context, page } = await newPage();
    await signInAndRemember(page, person);
    expect(await rememberedOf(person.email)).toHaveLength(1);
    await end(person);
    expect(await rememberedOf(person.email)).toHaveLength(0);
    await context.close();
  });

  test('the admin API refuses remember_browser_days out of range or on a phishing-resistant client', async () => {
    const post = (body: object) =>
      fetch(`${stepup.issuer}/admin/api/v1/clients`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ name: 'R', redirectUris: ['https://app.example/cb'], ...body }),
      });
    expect((await post({ rememberBrowserDays: 31 })).status).toBe(400);
    expect((await post({ rememberBrowserDays: 0 })).status).toBe(400);
    const phr = await post({ rememberBrowserDays: 7, mfaPolicy: 'phishing-resistant' });
    expect(phr.status).toBe(400);
    expect(JSON.stringify(await phr.json())).toContain('phishing-resistant');
    const ok = await post({ rememberBrowserDays: 7 });
    expect(ok.status).toBe(201);
    const created = (await ok.json()) as { client_id: string; remember_browser_days: number | null };
    expect(created.remember_browser_days).toBe(7);
    const patch = (body: object) =>
      fetch(`${stepup.issuer}/admin/api/v1/clients/${created.client_id}`, {
        method: 'PATCH',
        headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await patch({ mfaPolicy: 'phishing-resistant' })).status).toBe(400);
    const off = await patch({ rememberBrowserDays: null });
    expect(((await off.json()) as { remember_browser_days: number | null }).remember_browser_days).toBeNull();
  });
});

describe("a remembered browser's key and signature", () => {
  const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = pair.publicKey.export({ format: 'jwk' });
  const text = signedText('uid', jwk.x!, 'challenge');
  const p1363 = sign('sha256', Buffer.from(text), { key: pair.privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url');

  test.each([
    ['a public P-256 JWK', true, JSON.stringify(jwk)],
    ['one with its private part', false, JSON.stringify(pair.privateKey.export({ format: 'jwk' }))],
    ['another curve', false, JSON.stringify(generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey.export({ format: 'jwk' }))],
    ['an RSA key', false, JSON.stringify(generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' }))],
    ['not JSON', false, 'nope'],
  ])('%s: taken %s', (_name, taken, given) => {
    expect(publicKeyOf(given) !== null).toBe(taken);
  });

  test('a WebCrypto (IEEE P1363) signature over the exact text verifies; DER, another text or another key do not', () => {
    const key = publicKeyOf(JSON.stringify(jwk))!.jwk;
    expect(signatureValid(key, text, p1363)).toBe(true);
    const der = sign('sha256', Buffer.from(text), pair.privateKey).toString('base64url');
    expect(signatureValid(key, text, der)).toBe(false);
    expect(signatureValid(key, signedText('other-uid', jwk.x!, 'challenge'), p1363)).toBe(false);
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });
    expect(signatureValid(publicKeyOf(JSON.stringify(other))!.jwk, text, p1363)).toBe(false);
  });
});
