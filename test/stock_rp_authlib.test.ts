import { randomBytes } from 'node:crypto';
import type { Browser as Chromium } from 'playwright-core';
import type { NewClientInput } from '../src/admin/clients.ts';
import { Browser } from './support/browser.ts';
import { launchChromium } from './support/chromium.ts';
import { addClient } from './support/clients.ts';
import { startExample, stopExamples } from './support/examples.ts';
import { enrolThroughSignIn, nextTimeStep, resetPasswordByEmail, totpCode } from './support/people.ts';
import { relyingParty } from './support/relying_party.ts';
import { type RunningStepup, startStepup } from './support/stepup.ts';
import { freePort, type RunningProcess, startProcess } from './support/stepup_process.ts';
import { authlibApp, authlibPython, describeWithStockRp, signInInChromium } from './support/stock_rps.ts';

const maybe = describeWithStockRp('the Authlib (Flask) relying party', authlibPython);

let stepup: RunningStepup;
let flask: RunningProcess;
let chromium: Chromium;

/** The Flask app (test/stock_rps/authlib/app.py), registered at Stepup as `client`, with `env` besides. */
async function startFlask(client: Omit<NewClientInput, 'redirectUris'>, env: Record<string, string> = {}) {
  const port = await freePort();
  const registered = await addClient(stepup.container, { ...client, redirectUris: [`http://127.0.0.1:${port}/callback`] });
  return startProcess(`the Flask app ${client.name}`, authlibPython, [authlibApp], {
    env: {
      PORT: String(port),
      FLASK_SECRET_KEY: randomBytes(32).toString('hex'),
      STEPUP_ISSUER: stepup.issuer,
      STEPUP_CLIENT_ID: registered.client_id,
      STEPUP_CLIENT_SECRET: registered.client_secret!,
      ...env,
    },
    url: `http://127.0.0.1:${port}`,
    readyPath: '/',
  });
}

maybe('Authlib 1.9 with Flask, as its documentation shows', () => {
  beforeAll(async () => {
    stepup = await startStepup({}, { resourceServers: { 'https://payments.example': { name: 'Payments', scopes: ['payments:read', 'payments:write'] } } });
    // docs/integrating.md's registration for Authlib: scope claims in the ID token, which Authlib reads
    flask = await startFlask({ name: 'Flask App', idTokenClaims: true });
    chromium = await launchChromium();
  });
  afterAll(async () => {
    await chromium?.close();
    await flask?.stop();
    stopExamples();
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

  test("follows an API's RFC 9470 challenge, parsed by Werkzeug: the second factor alone, then the call goes through", async () => {
    const payments = 'https://payments.example';
    const api = await startExample(stepup, 'resource-server/node_http.js', { AUDIENCE: payments });
    const stepping = await startFlask(
      {
        name: 'Flask Payments',
        firstParty: true,
        mfaPolicy: 'on-request',
        idTokenClaims: true,
        allowedResources: { [payments]: ['payments:read', 'payments:write'] },
      },
      { STEPUP_SCOPE: 'openid email payments:read payments:write', STEPUP_API: api, STEPUP_RESOURCE: payments },
    );
    const person = await enrolThroughSignIn(stepup, new Browser(stepup.issuer), (await (await relyingParty(stepup, { firstParty: true })).authorize()).url);

    const context = await chromium.newContext();
    const page = await context.newPage();
    await page.goto(`${stepping.url}/login`);
    await page.getByLabel('Email').fill(person.email);
    await page.getByLabel('Password').fill(person.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL(`${stepping.url}/`);
    expect(JSON.parse((await page.textContent('body'))!)).toMatchObject({ acr: 'urn:stepup:loa:1fa' });

    await page.goto(`${stepping.url}/transfer-form`);
    await page.getByRole('button', { name: 'Send 120.00 EUR to ACME' }).click();
    await page.getByRole('heading', { name: 'Confirm it is you' }).waitFor();
    expect(await page.getByLabel('Password').count()).toBe(0);
    await page.getByLabel('Authenticator app').fill(await totpCode(stepup, person.secret));
    const retried = page.waitForResponse((response) => response.url().startsWith(`${stepping.url}/callback`));
    await page.getByRole('button', { name: 'Continue' }).click();
    await retried;
    nextTimeStep(stepup);
    expect(JSON.parse((await page.textContent('body'))!)).toEqual({
      status: 200,
      body: { transfer: 'done', acr: 'urn:stepup:loa:2fa' },
      acr: 'urn:stepup:loa:2fa',
    });
    await context.close();
    await stepping.stop();
    expect(stepping.output()).not.toMatch(/Traceback/);
  });
});
