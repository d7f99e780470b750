import type { Browser as Chromium, Page } from 'playwright-core';
import { describeInChromium, launchChromium } from './support/chromium.ts';
import {
  auditDetails as auditOf,
  callbackAfter,
  enrolPasskey as enrolWith,
  typePassword,
  browserWithAuthenticator as withAuthenticator,
} from './support/passkey_browser.ts';
import { createPerson, nextTimeStep, totpCode } from './support/people.ts';
import { type RelyingParty, relyingParty } from './support/relying_party.ts';
import { type RunningStepup, startStepup } from './support/stepup.ts';

const maybe = describeInChromium('passkey tests');

let stepup: RunningStepup;
let rp: RelyingParty;
let chromium: Chromium;

const browserWithAuthenticator = () => withAuthenticator(chromium);
const enrolPasskey = (page: Page, app: RelyingParty = rp) => enrolWith(stepup, page, app);
const auditDetails = (email: string) => auditOf(stepup, email);
/** passkeys.newCredentialHoldSeconds by default: a day */
const HOLD_MS = 86_400_000;
/** Moves the clock past a new passkey's hold, after which it proves phr. */
const afterTheHold = () => stepup.clock.advance(HOLD_MS + 60_000);

maybe('passkeys in Chromium', () => {
  beforeAll(async () => {
    stepup = await startStepup({}, undefined, { hostname: 'localhost' });
    rp = await relyingParty(stepup, { firstParty: true });
    chromium = await launchChromium();
  });
  afterAll(async () => {
    await chromium?.close();
    await stepup?.stop();
  });

  test('a passkey proves a level when it is used, never when registered: 2fa in the sign-in that added it and through its hold, then phr', async () => {
    const { context, page } = await browserWithAuthenticator();
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    // the registration is followed by one use of the passkey: the password and that use are 2fa
    const { person, tokens } = await enrolPasskey(page);
    expect(tokens.claims()).toMatchObject({ acr: 'urn:stepup:loa:2fa', amr: ['pwd', 'hwk', 'user', 'mfa'] });
    const [stored] = await stepup.container.secondFactors.confirmedFactors((await stepup.container.store.accounts.findByEmail(person.email))!.id);
    expect(stored).toMatchObject({ kind: 'webauthn', passkey: { name: 'Test laptop', synced: false, userVerified: true } });
    expect(stored!.passkey!.phrFrom).toBeGreaterThan(stepup.clock.now() + HOLD_MS - 60_000);
    // the user handle is random, never the email
    expect(JSON.stringify(stored)).not.toContain(person.email);

    // the next sign-in offers it first; while it is held it proves 2fa
    const signInWithPasskey = async () => {
      await context.clearCookies();
      const again = await rp.authorize();
      await page.goto(again.url);
      await typePassword(page, person);
      await page.getByRole('heading', { name: 'Confirm it is you' }).waitFor();
      const callback = await callbackAfter(page, () => page.getByRole('button', { name: 'Use your passkey' }).click());
      return (await again.exchange(callback)).claims()!;
    };
    expect(await signInWithPasskey()).toMatchObject({ acr: 'urn:stepup:loa:2fa', amr: ['pwd', 'hwk', 'user', 'mfa'] });
    afterTheHold();
    expect(await signInWithPasskey()).toMatchObject({ acr: 'urn:stepup:loa:phr', amr: ['pwd', 'hwk', 'user', 'mfa'] });
    expect(await auditDetails(person.email)).toContain('code_ok webauthn ok hwk user');
    expect(violations).toEqual([]);
    await context.close();
  });

  test('a phishing-resistant client never gets phr from the sign-in that added the passkey: unmet; the new passkey proves 2fa through its hold, then phr', async () => {
    const strict = await relyingParty(stepup, { firstParty: true, mfaPolicy: 'phishing-resistant' });
    const { context, page } = await browserWithAuthenticator();
    const person = await createPerson(stepup);

    // a 2fa session with an authenticator app, at an ordinary client
    const first = await rp.authorize();
    await page.goto(first.url);
    await typePassword(page, person);
    await page.getByRole('link', { name: 'Authenticator app' }).click();
    const secret = (await page.locator('#totp-secret').textContent())!.trim();
    await page.getByLabel('Code shown in the app').fill(await totpCode(stepup, secret));
    await page.getByRole('button', { name: 'Confirm' }).click();
    const firstCallback = await callbackAfter(page, () => page.getByRole('link', { name: /I have saved my codes/ }).click());
    expect((await first.exchange(firstCallback)).claims()!.acr).toBe('urn:stepup:loa:2fa');
    nextTimeStep(stepup);

    // the strict client (a relay's way to phr until now): the app code, then a passkey to add
    const second = await strict.authorize();
    await page.goto(second.url);
    await page.getByText('asks you to sign in with a passkey, and you have none yet').waitFor();
    expect(await page.getByLabel('Password').count()).toBe(0);
    await page.getByLabel('Authenticator app').fill(await totpCode(stepup, secret));
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'Set up a passkey' }).waitFor();
    await page.getByRole('button', { name: 'Create a passkey' }).click();
    // registering proves nothing: the application hears that its requirement was not met
    await page.getByRole('heading', { name: /^Sign in with your passkey from / }).waitFor();
    const unmet = await callbackAfter(page, () => page.getByRole('link', { name: /^Return to / }).click());
    expect(unmet.searchParams.get('error')).toBe('unmet_authentication_requirements');
    expect(unmet.searchParams.get('code')).toBeNull();

    // while the passkey is held, the strict client is told when it will do; an ordinary one gets 2fa from it
    await context.clearCookies();
    const held = await strict.authorize();
    await page.goto(held.url);
    await typePassword(page, person);
    await page.getByRole('heading', { name: /^Sign in with your passkey from / }).waitFor();
    const heldAnswer = await callbackAfter(page, () => page.getByRole('link', { name: /^Return to / }).click());
    expect(heldAnswer.searchParams.get('error')).toBe('unmet_authentication_requirements');
    await context.clearCookies();
    const ordinary = await rp.authorize();
    await page.goto(ordinary.url);
    await typePassword(page, person);
    const ordinaryCallback = await callbackAfter(page, () => page.getByRole('button', { name: 'Use your passkey' }).click());
    expect((await ordinary.exchange(ordinaryCallback)).claims()).toMatchObject({ acr: 'urn:stepup:loa:2fa', amr: ['pwd', 'hwk', 'user', 'mfa'] });

    // past the hold: a fresh 2fa session by app code (the ordinary client takes the app) …
    afterTheHold();
    await context.clearCookies();
    const third = await rp.authorize();
    await page.goto(third.url);
    await typePassword(page, person);
    await page.getByRole('link', { name: 'Authenticator app' }).click();
    await page.getByLabel('Authenticator app').fill(await totpCode(stepup, secret));
    const thirdCallback = await callbackAfter(page, () => page.getByRole('button', { name: 'Continue' }).click());
    expect((await third.exchange(thirdCallback)).claims()!.acr).toBe('urn:stepup:loa:2fa');

    // … which the strict client asks only for the passkey: no password, no app code
    const fourth = await strict.authorize();
    await page.goto(fourth.url);
    await page.getByRole('button', { name: 'Use your passkey' }).waitFor();
    expect(await page.getByLabel('Password').count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Authenticator app' }).count()).toBe(0);
    const fourthCallback = await callbackAfter(page, () => page.getByRole('button', { name: 'Use your passkey' }).click());
    expect((await fourth.exchange(fourthCallback)).claims()).toMatchObject({ acr: 'urn:stepup:loa:phr', amr: ['pwd', 'hwk', 'user', 'mfa'] });

    // levels are ordered: phr satisfies a request for 2fa, which is answered without a prompt
    const onRequest = await relyingParty(stepup, { firstParty: true, mfaPolicy: 'on-request' });
    const fifth = await onRequest.authorize({ acr_values: 'urn:stepup:loa:2fa' });
    const fifthCallback = await callbackAfter(page, () => page.goto(fifth.url));
    expect((await fifth.exchange(fifthCallback)).claims()!.acr).toBe('urn:stepup:loa:phr');
    await context.close();
  });

  test('the account area renames a passkey, refuses the same authenticator twice, adds an app; an admin lists and removes the passkey, never the last factor', async () => {
    const { context, page } = await browserWithAuthenticator();
    const { person } = await enrolPasskey(page);
    await page.goto(`${stepup.issuer}/account`);
    // a phr session is enough for the account area, which asks for 2fa
    await page.getByRole('heading', { name: 'Your account' }).waitFor();
    await page.getByText('Passkey — Test laptop').waitFor();
    // the only factor has no Remove button
    expect(await page.getByRole('button', { name: /^Remove/ }).count()).toBe(0);

    // excludeCredentials: this authenticator holds a passkey of the account already
    await page.getByRole('link', { name: 'Add a passkey' }).click();
    await page.getByRole('button', { name: 'Create a passkey' }).click();
    await page.getByText('This passkey is registered already').waitFor();

    await page.goto(`${stepup.issuer}/account`);
    await page.getByLabel('New name for Test laptop').fill('Work laptop');
    await page.getByRole('button', { name: 'Rename' }).click();
    await page.getByText('The passkey was renamed.').waitFor();
    await page.getByText('Passkey — Work laptop').waitFor();

    const { factors } = await stepup.container.userAdmin.methods(person.email);
    expect(factors).toEqual([
      expect.objectContaining({ kind: 'webauthn', passkey: expect.objectContaining({ name: 'Work laptop', synced: false, lastUsedAt: expect.any(Number) }) }),
    ]);
    await expect(stepup.container.userAdmin.removeMethod(person.email, factors[0]!.id)).rejects.toThrow(/last second factor/);

    await page.getByRole('link', { name: 'Add an authenticator app' }).click();
    const secret = (await page.locator('#totp-secret').textContent())!.trim();
    await page.getByLabel('Code shown in the app').fill(await totpCode(stepup, secret));
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByText('Your new second factor is ready.').waitFor();

    const removed = await stepup.container.userAdmin.removeMethod(person.email, factors[0]!.id);
    expect(removed).toMatchObject({ removed: 'webauthn', revoked: expect.any(Number) });
    expect((await stepup.container.userAdmin.methods(person.email)).factors.map((f) => f.kind)).toEqual(['totp']);
    expect(await auditDetails(person.email)).toContain('admin_change admin ok second factor removed: Passkey "Work laptop"');
    expect(await auditDetails(person.email)).toContain('account_change webauthn ok passkey renamed');
    await context.close();
  });

  test('an assertion replayed into another sign-in, a forged signature and a counter that went back are refused', async () => {
    const { context, page, authenticatorId } = await browserWithAuthenticator();
    const { person } = await enrolPasskey(page);
    const accountId = (await stepup.container.store.accounts.findByEmail(person.email))!.id;
    const signInToPasskey = async () => {
      await context.clearCookies();
      await page.goto((await rp.authorize()).url);
      await typePassword(page, person);
      await page.getByRole('button', { name: 'Use your passkey' }).waitFor();
    };

    // an assertion that worked once, caught on its way
    await signInToPasskey();
    let caught = '';
    await page.route('**/second-factor/passkey', async (route) => {
      caught = new URLSearchParams(route.request().postData()!).get('credential')!;
      await route.continue();
    });
    await callbackAfter(page, () => page.getByRole('button', { name: 'Use your passkey' }).click());
    await page.unroute('**/second-factor/passkey');

    // posted again in a new sign-in: it signed another challenge
    await signInToPasskey();
    await page.locator('input[name=credential]').evaluate((field, credential) => {
      (field as unknown as { value: string }).value = credential;
    }, caught);
    await page.locator('form[data-passkey]').evaluate((form) => (form as unknown as { submit(): void }).submit());
    await page.getByText('That passkey could not be used').waitFor();

    // the refusal's text is on the page already: wait for this answer, not for the text
    const refusedAgain = async () => {
      const answered = page.waitForResponse((r) => r.url().endsWith('/second-factor/passkey') && r.request().method() === 'POST');
      await page.getByRole('button', { name: 'Use your passkey' }).click();
      await answered;
      await page.getByText('That passkey could not be used').waitFor();
    };

    // a bogus signature from the authenticator
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.setResponseOverrideBits', { authenticatorId, isBogusSignature: true });
    await refusedAgain();
    await cdp.send('WebAuthn.setResponseOverrideBits', { authenticatorId, isBogusSignature: false });

    // a stored counter ahead of the authenticator's: a cloned authenticator, or a replay (written
    // straight to the store: no surface moves a counter but a sign-in)
    const [factor] = await stepup.container.secondFactors.confirmedFactors(accountId);
    expect(await stepup.container.store.factors.acceptPasskeyUse(factor!.id, 1_000_000, stepup.clock.now())).toBe(true);
    await refusedAgain();

    const audit = await auditDetails(person.email);
    expect(audit.filter((line) => line === 'code_failed webauthn failed assertion not valid')).toHaveLength(2);
    expect(audit).toContain('code_failed webauthn failed signature counter did not go up: a replay, or a cloned authenticator');
    await context.close();
  });

  test("a cancelled ceremony says so and leaves the other ways; another account's passkey on the same authenticator is refused", async () => {
    const { context, page } = await browserWithAuthenticator();
    // two people, each with a passkey on this one authenticator
    const { person: owner } = await enrolPasskey(page);
    await context.clearCookies();
    const { person: other } = await enrolPasskey(page);
    const otherAccount = (await stepup.container.store.accounts.findByEmail(other.email))!.id;
    const otherCredential = (await stepup.container.secondFactors.confirmedFactors(otherAccount)).find((f) => f.kind === 'webauthn')!.passkey!.credentialId;

    await context.clearCookies();
    await page.goto((await rp.authorize()).url);
    await typePassword(page, owner);
    const button = page.getByRole('button', { name: 'Use your passkey' });
    await button.waitFor();

    // the person cancels (or the ceremony times out): the browser answers NotAllowedError
    await page.evaluate(() => {
      const credentials = (globalThis as unknown as { navigator: { credentials: { get: () => Promise<never> } } }).navigator.credentials;
      const original = credentials.get;
      credentials.get = () => {
        credentials.get = original;
        return Promise.reject(new DOMException('The operation either timed out or was not allowed.', 'NotAllowedError'));
      };
    });
    await button.click();
    await page.getByText('The passkey request was cancelled or timed out. Try again, or choose another way.').waitFor();
    expect(await page.getByRole('link', { name: 'Recovery code' }).count()).toBe(1);

    // the owner's sign-in answered with the other account's passkey, for this very challenge
    await page.locator('form[data-passkey]').evaluate((form, id) => {
      const data = (form as unknown as { dataset: { options: string } }).dataset;
      data.options = JSON.stringify({ ...JSON.parse(data.options), allowCredentials: [{ id, type: 'public-key' }] });
    }, otherCredential);
    await button.click();
    await page.getByText('That passkey could not be used').waitFor();
    expect(await auditDetails(owner.email)).toContain("code_failed webauthn failed another account's credential");
    expect(page.url()).toContain('/second-factor');
    await context.close();
  });

  test('an on-request client gets the password alone until it asks for phr, then the passkey alone; mfa_max_age asks for it again', async () => {
    const { context, page } = await browserWithAuthenticator();
    const { person } = await enrolPasskey(page);
    await context.clearCookies();
    afterTheHold();
    const onRequest = await relyingParty(stepup, { firstParty: true, mfaPolicy: 'on-request' });

    const plain = await onRequest.authorize();
    await page.goto(plain.url);
    const plainCallback = await callbackAfter(page, () => typePassword(page, person));
    expect((await plain.exchange(plainCallback)).claims()).toMatchObject({ acr: 'urn:stepup:loa:1fa', amr: ['pwd'] });

    const asked = await onRequest.authorize({ acr_values: 'urn:stepup:loa:phr' });
    await page.goto(asked.url);
    await page.getByRole('button', { name: 'Use your passkey' }).waitFor();
    expect(await page.getByLabel('Password').count()).toBe(0);
    const askedCallback = await callbackAfter(page, () => page.getByRole('button', { name: 'Use your passkey' }).click());
    expect((await asked.exchange(askedCallback)).claims()).toMatchObject({ acr: 'urn:stepup:loa:phr', amr: ['pwd', 'hwk', 'user', 'mfa'] });

    // the passkey was passed ten minutes ago: a request for one within five minutes asks for it again, only it
    stepup.clock.advance(600_000);
    const fresh = await onRequest.authorize({ acr_values: 'urn:stepup:loa:phr', mfa_max_age: '300' });
    await page.goto(fresh.url);
    await page.getByRole('button', { name: 'Use your passkey' }).waitFor();
    expect(await page.getByLabel('Password').count()).toBe(0);
    const freshCallback = await callbackAfter(page, () => page.getByRole('button', { name: 'Use your passkey' }).click());
    expect((await fresh.exchange(freshCallback)).claims()).toMatchObject({ acr: 'urn:stepup:loa:phr' });
    await context.close();
  });
});
