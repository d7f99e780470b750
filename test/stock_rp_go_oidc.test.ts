import type { Browser as Chromium } from 'playwright-core';
import { Browser } from './support/browser.ts';
import { launchChromium } from './support/chromium.ts';
import { addClient } from './support/clients.ts';
import { enrolThroughSignIn, resetPasswordByEmail } from './support/people.ts';
import { relyingParty } from './support/relying_party.ts';
import { type RunningStepup, startStepup } from './support/stepup.ts';
import { freePort, type RunningProcess, startProcess } from './support/stepup_process.ts';
import { describeWithStockRp, goOidcBinary, signInInChromium } from './support/stock_rps.ts';

const maybe = describeWithStockRp('the go-oidc relying party', goOidcBinary);

let stepup: RunningStepup;
let app: RunningProcess;
let chromium: Chromium;

maybe('go-oidc 3.21 with golang.org/x/oauth2, as its documentation shows', () => {
  beforeAll(async () => {
    stepup = await startStepup();
    const port = await freePort();
    // a client on the defaults: the ID token says who and how; email and profile come from userinfo
    const client = await addClient(stepup.container, { name: 'Go App', redirectUris: [`http://127.0.0.1:${port}/callback`] });
    app = await startProcess('the go-oidc app', goOidcBinary, [], {
      env: { PORT: String(port), STEPUP_ISSUER: stepup.issuer, STEPUP_CLIENT_ID: client.client_id, STEPUP_CLIENT_SECRET: client.client_secret! },
      url: `http://127.0.0.1:${port}`,
      readyPath: '/',
    });
    chromium = await launchChromium();
  });
  afterAll(async () => {
    await chromium?.close();
    await app?.stop();
    await stepup?.stop();
  });

  test('an authenticator-app user who proved the email signs in; the verified ID token says who and how, userinfo the verified email', async () => {
    const enrolled = await enrolThroughSignIn(stepup, new Browser(stepup.issuer), (await (await relyingParty(stepup, { firstParty: true })).authorize()).url);
    const person = { ...enrolled, password: 'a new password the Go app never sees' };
    expect(await resetPasswordByEmail(stepup, person.email, person.password)).toBe(200);
    const account = (await stepup.container.store.accounts.findByEmail(person.email))!;

    const context = await chromium.newContext();
    const page = await context.newPage();
    await page.goto(`${app.url}/login`);
    await signInInChromium(page, stepup, person);
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(`${app.url}/callback**`);

    const got = JSON.parse((await page.textContent('body'))!);
    expect(got.id_token).toMatchObject({ iss: stepup.issuer, sub: account.id, acr: 'urn:stepup:loa:2fa', amr: ['pwd', 'otp', 'mfa'] });
    expect(got.id_token).not.toHaveProperty('email');
    expect(got.userinfo).toMatchObject({ sub: account.id, email: person.email, email_verified: true });
    expect(got.email_verified).toBe(true);
    await context.close();
  });
});
