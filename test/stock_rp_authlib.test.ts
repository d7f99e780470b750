import { randomBytes } from 'node:crypto';
import type { Browser as Chromium } from 'playwright-core';
import { Browser } from './support/browser.ts';
import { launchChromium } from './support/chromium.ts';
import { enrolThroughSignIn, resetPasswordByEmail } from './support/people.ts';
import { relyingParty } from './support/relying_party.ts';
import { type RunningStepup, startStepup } from './support/stepup.ts';
import { freePort, type RunningProcess, startProcess } from './support/stepup_process.ts';
import { authlibApp, authlibPython, describeWithStockRp, signInInChromium } from './support/stock_rps.ts';

const maybe = describeWithStockRp('the Authlib (Flask) relying party', authlibPython);

let stepup: RunningStepup;
let flask: RunningProcess;
let chromium: Chromium;

maybe('Authlib 1.9 with Flask, as its documentation shows', () => {
  beforeAll(async () => {
    stepup = await startStepup();
    const port = await freePort();
    // docs/integrating.md's registration for Authlib: scope claims in the ID token, which Authlib reads
    const client = await stepup.container.clientAdmin.add({ name: 'Flask App', redirectUris: [`http://127.0.0.1:${port}/callback`], idTokenClaims: true });
    flask = await startProcess('the Flask app', authlibPython, [authlibApp], {
      env: {
        PORT: String(port),
        FLASK_SECRET_KEY: randomBytes(32).toString('hex'),
        STEPUP_ISSUER: stepup.issuer,
        STEPUP_CLIENT_ID: client.client_id,
        STEPUP_CLIENT_SECRET: client.client_secret!,
      },
      url: `http://127.0.0.1:${port}`,
      readyPath: '/',
    });
    chromium = await launchChromium();
  });
  afterAll(async () => {
    await chromium?.close();
    await flask?.stop();
    await stepup?.stop();
  });

  test('an authenticator-app user who proved the email signs in; the app reads sub, a verified email, acr and amr from the ID token', async () => {
    // enrolled through another application, then the email proven by a password reset
    const enrolled = await enrolThroughSignIn(stepup, new Browser(stepup.issuer), (await (await relyingParty(stepup, { firstParty: true })).authorize()).url);
    const person = { ...enrolled, password: 'a new password the Flask app never sees' };
    expect(await resetPasswordByEmail(stepup, person.email, person.password)).toBe(200);

    const context = await chromium.newContext();
    const page = await context.newPage();
    await page.goto(`${flask.url}/login`);
    await signInInChromium(page, stepup, person);
    // not a first-party application: the person allows it once
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(`${flask.url}/`);

    const user = JSON.parse((await page.textContent('body'))!);
    const account = (await stepup.container.store.accounts.findByEmail(person.email))!;
    expect(user).toMatchObject({
      iss: stepup.issuer,
      sub: account.id,
      email: person.email,
      email_verified: true,
      acr: 'urn:stepup:loa:2fa',
      amr: ['pwd', 'otp', 'mfa'],
    });
    await context.close();
    expect(flask.output()).not.toMatch(/Traceback/);
  });
});
