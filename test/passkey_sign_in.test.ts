import type { Browser as Chromium, Page } from 'playwright-core';
import { describeInChromium, launchChromium } from './support/chromium.ts';
import { waitForMessage } from './support/outbox.ts';
import { type AuthenticatorOptions, auditDetails, browserWithAuthenticator, callbackAfter, enrolPasskey } from './support/passkey_browser.ts';
import { createPerson } from './support/people.ts';
import { type RelyingParty, relyingParty } from './support/relying_party.ts';
import { type RunningStepup, startStepup } from './support/stepup.ts';

const maybe = describeInChromium('passwordless passkey tests');

let stepup: RunningStepup;
let rp: RelyingParty;
let chromium: Chromium;

/** A person with a passkey on a fresh authenticator, and that browser with no session left. */
async function personWithPasskey(options: AuthenticatorOptions = {}) {
  const browser = await browserWithAuthenticator(chromium, options);
  const { person } = await enrolPasskey(stepup, browser.page, rp);
  await browser.context.clearCookies();
  return { ...browser, person };
}

const passkeyButton = (page: Page) => page.getByRole('button', { name: 'Sign in with a passkey' });

/** The login page of a new authorization at `app`, ready for the passkey. */
async function toLoginPage(page: Page, app: RelyingParty = rp, params: Record<string, string> = {}) {
  const authorization = await app.authorize(params);
  await page.goto(authorization.url);
  await passkeyButton(page).waitFor();
  return authorization;
}

maybe('passwordless sign-in with a passkey in Chromium', () => {
  beforeAll(async () => {
    // no hold on new passkeys: these tests are about the passwordless path, not the bootstrap
    // limit (passkeys.test.ts proves the hold), so a passkey enrolled earlier proves phr at once
    stepup = await startStepup({}, { passkeys: { newCredentialHoldSeconds: 0 } }, { hostname: 'localhost' });
    rp = await relyingParty(stepup, { firstParty: true });
    chromium = await launchChromium();
  });
  afterAll(async () => {
    await chromium?.close();
    await stepup?.stop();
  });

  test('a passkey that verified the user signs in alone: 2fa, amr hwk user mfa, auth_time now, no password typed; audited and alerted', async () => {
    const { context, page, person } = await personWithPasskey();
    const authorization = await toLoginPage(page);
    expect(await page.getByLabel('Email').getAttribute('autocomplete')).toBe('username webauthn');
    const callback = await callbackAfter(page, () => passkeyButton(page).click());
    const claims = (await authorization.exchange(callback)).claims()!;
    expect(claims).toMatchObject({ acr: 'urn:stepup:loa:2fa', amr: ['hwk', 'user', 'mfa'] });
    expect(Math.abs(claims.auth_time! - Math.floor(stepup.clock.now() / 1000))).toBeLessThan(5);
    expect(await auditDetails(stepup, person.email)).toContain('login_ok passkey ok hwk user');
    // the browser's cookies were cleared: a new browser to the account
    expect((await waitForMessage(stepup, person.email, 'New sign-in')).text).toContain('a browser we have not seen before');
    await context.close();
  });

  test("the email field's autofill offers the passkey (conditional UI): choosing it signs in from the login page", async () => {
    const { context, page, person } = await personWithPasskey({ autofill: true });
    const authorization = await rp.authorize();
    // the virtual authenticator picks the passkey offered in the autofill as soon as the page asks
    const callback = await callbackAfter(page, () => page.goto(authorization.url));
    expect((await authorization.exchange(callback)).claims()).toMatchObject({ acr: 'urn:stepup:loa:2fa', amr: ['hwk', 'user', 'mfa'] });
    expect(await auditDetails(stepup, person.email)).toContain('login_ok passkey ok hwk user');
    await context.close();
  });

  test('without user verification a passkey is one factor (1fa, no mfa); a client that requires 2fa then asks for the password only', async () => {
    const { context, page, person, authenticatorId } = await personWithPasskey();
    // from now on the authenticator answers with the user-verified flag off: presence only
    await (await context.newCDPSession(page)).send('WebAuthn.setResponseOverrideBits', { authenticatorId, isBadUV: true });
    const onRequest = await relyingParty(stepup, { firstParty: true, mfaPolicy: 'on-request' });
    const first = await toLoginPage(page, onRequest);
    const firstCallback = await callbackAfter(page, () => passkeyButton(page).click());
    expect((await first.exchange(firstCallback)).claims()).toMatchObject({ acr: 'urn:stepup:loa:1fa', amr: ['hwk'] });

    await context.clearCookies();
    const second = await toLoginPage(page);
    await passkeyButton(page).click();
    await page.getByText(/Your passkey was accepted\. .* also asks for your password\./).waitFor();
    // the passkey is not asked again, and the email is the passkey's account
    expect(await passkeyButton(page).count()).toBe(0);
    expect(await page.getByLabel('Email').inputValue()).toBe(person.email);
    await page.getByLabel('Password').fill(person.password);
    const secondCallback = await callbackAfter(page, () => page.getByRole('button', { name: 'Continue' }).click());
    // the password and a passkey assertion in this sign-in: phishing-resistant, which satisfies 2fa
    expect((await second.exchange(secondCallback)).claims()).toMatchObject({ acr: 'urn:stepup:loa:phr', amr: ['pwd', 'hwk', 'mfa'] });
    await context.close();
  });

  test('a session begun with a passkey alone steps up from the password, so amr never names a password nobody typed', async () => {
    const { context, page, person } = await personWithPasskey();
    const first = await toLoginPage(page);
    const firstCallback = await callbackAfter(page, () => passkeyButton(page).click());
    expect((await first.exchange(firstCallback)).claims()).toMatchObject({ acr: 'urn:stepup:loa:2fa', amr: ['hwk', 'user', 'mfa'] });

    // phr asked of that session: not the second-factor page alone, but the password first
    const stepUp = await rp.authorize({ acr_values: 'urn:stepup:loa:phr' });
    await page.goto(stepUp.url);
    await page.getByLabel('Password').waitFor();
    await page.getByLabel('Email').fill(person.email);
    await page.getByLabel('Password').fill(person.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    const callback = await callbackAfter(page, () => page.getByRole('button', { name: 'Use your passkey' }).click());
    const claims = (await stepUp.exchange(callback)).claims()!;
    expect(claims.acr).toBe('urn:stepup:loa:phr');
    expect(claims.amr).toEqual(expect.arrayContaining(['pwd', 'hwk', 'mfa']));
    await context.close();
  });

  test('an assertion replayed into another sign-in and a credential no account has are refused and audited', async () => {
    const { context, page, person } = await personWithPasskey();
    await toLoginPage(page);
    let caught = '';
    await page.route('**/passkey', async (route) => {
      caught = new URLSearchParams(route.request().postData()!).get('credential')!;
      await route.continue();
    });
    await callbackAfter(page, () => passkeyButton(page).click());
    await page.unroute('**/passkey');
    await context.clearCookies();

    const postCredential = async (credential: string) => {
      await page.locator('form[data-passkey] input[name=credential]').evaluate((field, value) => {
        (field as unknown as { value: string }).value = value;
      }, credential);
      await page.locator('form[data-passkey]').evaluate((form) => (form as unknown as { submit(): void }).submit());
      await page.getByText('That passkey could not be used').waitFor();
    };
    await toLoginPage(page);
    await postCredential(caught);
    expect(await auditDetails(stepup, person.email)).toContain('login_failed passkey failed assertion not valid');

    const unknown = JSON.parse(caught) as { id: string; rawId: string };
    unknown.id = unknown.rawId = 'AAAAAAAAAAAAAAAAAAAAAA';
    await postCredential(JSON.stringify(unknown));
    const recent = await stepup.container.store.audit.query({ limit: 20 });
    expect(recent.map((e) => `${e.type} ${e.channel} ${e.detail} ${e.accountId}`)).toContain('login_failed passkey unknown credential null');
    await context.close();
  });

  test('a disabled account is refused, its passkey right or not', async () => {
    const { context, page, person } = await personWithPasskey();
    await stepup.container.userAdmin.setDisabled(person.email, true);
    await toLoginPage(page);
    await passkeyButton(page).click();
    await page.getByText('That passkey could not be used').waitFor();
    expect(await auditDetails(stepup, person.email)).toContain('login_failed passkey failed disabled');
    await context.close();
  });

  test('failed assertions of a known passkey lock its passkey path, which then refuses even the right one', async () => {
    const { context, page, person, authenticatorId } = await personWithPasskey();
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.setResponseOverrideBits', { authenticatorId, isBogusSignature: true });
    await toLoginPage(page);
    for (let i = 0; i < 4; i += 1) {
      await passkeyButton(page).click();
      await page.getByText('That passkey could not be used').waitFor();
    }
    await passkeyButton(page).click();
    await page
      .getByText(/locked/i)
      .first()
      .waitFor();
    await cdp.send('WebAuthn.setResponseOverrideBits', { authenticatorId, isBogusSignature: false });

    await toLoginPage(page);
    await passkeyButton(page).click();
    await page
      .getByText(/locked/i)
      .first()
      .waitFor();
    const audit = await auditDetails(stepup, person.email);
    expect(audit).toContain('lockout passkey ok passkey failures');
    expect(audit).toContain('login_failed passkey failed locked');
    expect(audit.filter((line) => line === 'login_failed passkey failed assertion not valid')).toHaveLength(5);
    await context.close();
  });

  test('without a hold, a passkey added in a sign-in still never gives phr in it (unmet, not asked again); the next sign-in does', async () => {
    const strict = await relyingParty(stepup, { firstParty: true, mfaPolicy: 'phishing-resistant' });
    const { context, page } = await browserWithAuthenticator(chromium);
    const person = await createPerson(stepup);
    const authorization = await strict.authorize();
    await page.goto(authorization.url);
    await page.getByLabel('Email').fill(person.email);
    await page.getByLabel('Password').fill(person.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('link', { name: 'Passkey' }).click();
    await page.getByLabel('Name of this passkey').fill('New key');
    await page.getByRole('button', { name: 'Create a passkey' }).click();
    // the passkey is not held, yet this sign-in cannot reach phr: whether it was added here is
    // read off the passkey itself (the sign-in it was registered in), not off the sign-in's state
    await page.getByRole('heading', { name: 'Sign in with your passkey next time' }).waitFor();
    const unmet = await callbackAfter(page, () => page.getByRole('link', { name: /^Return to / }).click());
    expect(unmet.searchParams.get('error')).toBe('unmet_authentication_requirements');
    expect(unmet.searchParams.get('code')).toBeNull();

    await context.clearCookies();
    const next = await strict.authorize();
    await page.goto(next.url);
    await page.getByLabel('Email').fill(person.email);
    await page.getByLabel('Password').fill(person.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    const callback = await callbackAfter(page, () => page.getByRole('button', { name: 'Use your passkey' }).click());
    expect((await next.exchange(callback)).claims()).toMatchObject({ acr: 'urn:stepup:loa:phr' });
    await context.close();
  });
});
