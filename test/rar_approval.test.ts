import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as oidc from 'openid-client';
import type { Browser as Chromium } from 'playwright-core';
import { detailsApproved } from '../src/resource_server/index.ts';
import { Browser } from './support/browser.ts';
import { describeInChromium, launchChromium } from './support/chromium.ts';
import { runStepupCli } from './support/cli.ts';
import { addClient } from './support/clients.ts';
import { latestCode, messagesTo } from './support/outbox.ts';
import { type Enrolled, enrolThroughSignIn, nextTimeStep, PASSWORD, totpCode } from './support/people.ts';
import { plantedPasskey } from './support/planted_passkey.ts';
import { type RelyingParty, relyingParty } from './support/relying_party.ts';
import { type RunningStepup, startStepup } from './support/stepup.ts';

/**
 * Rich Authorization Requests (RFC 9396): a payment the application asks the person to approve
 * is shown on the second-factor page in plain words, needs a second factor passed for it then
 * and there, and travels in the access token exactly as approved.
 */
const payments = 'https://payments.example';
const ledger = 'https://ledger.example';
const payment = { type: 'payment_initiation', instructedAmount: { currency: 'EUR', amount: '120.00' }, creditorName: 'ACME' };
const paymentSchema = {
  type: 'object',
  required: ['type', 'instructedAmount', 'creditorName'],
  additionalProperties: false,
  properties: {
    type: { const: 'payment_initiation' },
    instructedAmount: {
      type: 'object',
      required: ['currency', 'amount'],
      additionalProperties: false,
      properties: { currency: { type: 'string', pattern: '^[A-Z]{3}$' }, amount: { type: 'string', pattern: '^[0-9]{1,9}\\.[0-9]{2}$' } },
    },
    creditorName: { type: 'string', minLength: 1, maxLength: 70 },
  },
};

let stepup: RunningStepup;
let bank: RelyingParty;
let person: Enrolled;

beforeAll(async () => {
  stepup = await startStepup(
    {},
    {
      resourceServers: {
        [payments]: { name: 'Payments', scopes: ['payments:write'] },
        // an API that introspects each token rather than reading a JWT
        [ledger]: { name: 'Ledger', scopes: ['ledger:write'], accessTokenFormat: 'opaque' },
      },
      authorizationDetailsTypes: {
        payment_initiation: {
          summary: 'Pay {instructedAmount} to {creditorName}',
          summaryIn: { de: '{instructedAmount} an {creditorName} zahlen' },
          schema: paymentSchema,
        },
      },
    },
  );
  bank = await relyingParty(stepup, {
    firstParty: true,
    mfaPolicy: 'on-request',
    allowedResources: { [payments]: ['payments:write'], [ledger]: ['ledger:write'] },
    authorizationDetailsTypes: ['payment_initiation'],
  });
  const enrolling = await relyingParty(stepup, { firstParty: true });
  person = await enrolThroughSignIn(stepup, new Browser(stepup.issuer), (await enrolling.authorize()).url);
});
afterAll(() => stepup.stop());

/** An authorization asking to approve `details`, for the payments API. */
const approving = (details: object[], extra: Record<string, string> = {}) =>
  bank.authorize({ scope: 'openid payments:write', resource: payments, authorization_details: JSON.stringify(details), ...extra });

/** A browser signed in to the bank at 2fa (password and app code). */
async function signedInAt2fa() {
  const browser = new Browser(stepup.issuer);
  const authorization = await bank.authorize({ acr_values: 'urn:stepup:loa:2fa' });
  await browser.open(authorization.url);
  await browser.submit('/login', { email: person.email, password: person.password });
  await browser.submit('/second-factor', { code: await totpCode(stepup, person.secret) });
  nextTimeStep(stepup);
  await authorization.exchange(browser.callbackUrl);
  return browser;
}

const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;

test('a session already at 2fa is asked for a second factor again, for the payment, and the token carries exactly the approved details', async () => {
  const browser = await signedInAt2fa();
  const authorization = await approving([payment]);
  await browser.open(authorization.url);
  // no silent approval: the second-factor page, with the payment in words
  expect(browser.page.url).toMatch(/\/second-factor$/);
  expect(browser.page.html).toContain('Pay €120.00 to ACME');
  await browser.submit('/second-factor', { code: await totpCode(stepup, person.secret) });
  nextTimeStep(stepup);
  const tokens = await authorization.exchange(browser.callbackUrl, { resource: payments });
  const accessToken = claimsOf(tokens.access_token);
  expect(accessToken.authorization_details).toEqual([payment]);
  expect(accessToken.acr).toBe('urn:stepup:loa:2fa');
  expect(tokens.authorization_details).toEqual([payment]);

  // the API executes only what was approved: the kit compares field for field
  expect(detailsApproved(accessToken, payment)).toBe(true);
  expect(detailsApproved(accessToken, { ...payment, instructedAmount: { currency: 'EUR', amount: '1200.00' } })).toBe(false);
  expect(detailsApproved(accessToken, { ...payment, creditorName: 'MALLORY' })).toBe(false);

  // the audit log says what was approved, in words
  const events = await stepup.container.store.audit.query({ type: 'approval', email: person.email, limit: 5 });
  expect(events.map((event) => event.detail)).toContain('Pay €120.00 to ACME');
});

test("in the page's language: the operator's German sentence with a German amount; French, which has none, the English sentence with a French amount", async () => {
  const euros = (language: string) => new Intl.NumberFormat(language, { style: 'currency', currency: 'EUR' }).format(120);
  expect(euros('de')).not.toBe('€120.00');
  const browser = await signedInAt2fa();
  const authorization = await approving([payment], { ui_locales: 'de' });
  await browser.open(authorization.url);
  expect(browser.page.html).toContain(`${euros('de')} an ACME zahlen`);
  expect(browser.page.html).not.toContain('Pay ');
  const french = await signedInAt2fa();
  await french.open((await approving([payment], { ui_locales: 'fr' })).url);
  expect(french.page.html).toContain(`Pay ${euros('fr')} to ACME`);
  // the same approval whatever the words: the German page's code gives the token its details
  await browser.submit('/second-factor', { code: await totpCode(stepup, person.secret) });
  nextTimeStep(stepup);
  const tokens = await authorization.exchange(browser.callbackUrl, { resource: payments });
  expect(claimsOf(tokens.access_token).authorization_details).toEqual([payment]);
});

test("introspection of the approval's access token answers its authorization_details", async () => {
  const browser = await signedInAt2fa();
  const authorization = await bank.authorize({ scope: 'openid ledger:write', resource: ledger, authorization_details: JSON.stringify([payment]) });
  await browser.open(authorization.url);
  await browser.submit('/second-factor', { code: await totpCode(stepup, person.secret) });
  nextTimeStep(stepup);
  const tokens = await authorization.exchange(browser.callbackUrl, { resource: ledger });
  const introspected = await oidc.tokenIntrospection(bank.config, tokens.access_token);
  expect(introspected).toMatchObject({ active: true, authorization_details: [payment] });
});

test("another company's application: the second factor approves, the consent page names the payment, and Allow gives the token", async () => {
  const shop = await relyingParty(stepup, {
    name: 'Shop',
    mfaPolicy: 'on-request',
    allowedResources: { [payments]: ['payments:write'] },
    authorizationDetailsTypes: ['payment_initiation'],
  });
  const browser = await signedInAt2fa();
  const authorization = await shop.authorize({ scope: 'openid payments:write', resource: payments, authorization_details: JSON.stringify([payment]) });
  await browser.open(authorization.url);
  await browser.submit('/second-factor', { code: await totpCode(stepup, person.secret) });
  nextTimeStep(stepup);
  expect(browser.page.html).toContain('Pay €120.00 to ACME (approved with your second step)');
  await browser.submit('/consent');
  const tokens = await authorization.exchange(browser.callbackUrl, { resource: payments });
  expect(claimsOf(tokens.access_token).authorization_details).toEqual([payment]);
});

test("a passkey's challenge for an approval ends with the SHA-256 of the details, so its signature covers them", async () => {
  const withPasskey = await enrolThroughSignIn(stepup, new Browser(stepup.issuer), (await (await relyingParty(stepup, { firstParty: true })).authorize()).url);
  const account = (await stepup.container.store.accounts.findByEmail(withPasskey.email))!;
  // planted: what the assertion would prove is not the point here, only what the page asks it to sign
  await stepup.container.store.factors.add(plantedPasskey(account.id, stepup.clock.now(), { name: 'Laptop' }));
  const details = JSON.stringify([payment]);
  const browser = new Browser(stepup.issuer);
  await browser.open((await bank.authorize({ scope: 'openid payments:write', resource: payments, authorization_details: details })).url);
  await browser.submit('/login', { email: withPasskey.email, password: withPasskey.password });
  await browser.open(`${browser.page.url}?method=webauthn`);
  const options = /data-options="([^"]+)"/.exec(browser.page.html)?.[1];
  const { challenge } = JSON.parse(options!.replace(/&quot;/g, '"')) as { challenge: string };
  const bytes = Buffer.from(challenge, 'base64url');
  expect(bytes).toHaveLength(48);
  expect(bytes.subarray(16).equals(createHash('sha256').update(details).digest())).toBe(true);
});

describe('an email code sent for an approval', () => {
  /** A person whose second factor is email codes (an admin set it), at the second-factor page of `details`. */
  async function emailCodeApproval(details: object[], email: string, browser = new Browser(stepup.issuer)) {
    const authorization = await approving(details);
    await browser.open(authorization.url);
    await browser.submit('/login', { email, password: PASSWORD });
    await browser.open(`${browser.page.url.replace(/\?.*$/, '')}?method=email`);
    await browser.submit('/second-factor/send', { method: 'email' });
    return { browser, authorization, code: latestCode(stepup, email), message: messagesTo(stepup, email).at(-1)! };
  }

  test('says what it approves, and approves it', async () => {
    const email = `approver-${Math.random().toString(36).slice(2)}@example.com`;
    await stepup.container.userAdmin.add({ email, password: PASSWORD, emailCode: true });
    const { browser, authorization, code, message } = await emailCodeApproval([payment], email);
    expect(message.text).toContain('It approves: Pay €120.00 to ACME. It works for nothing else.');
    await browser.submit('/second-factor', { method: 'email', code });
    const tokens = await authorization.exchange(browser.callbackUrl, { resource: payments });
    expect(claimsOf(tokens.access_token).authorization_details).toEqual([payment]);
  });

  test('sent for one payment, left unused, is refused for another', async () => {
    const email = `approver-${Math.random().toString(36).slice(2)}@example.com`;
    await stepup.container.userAdmin.add({ email, password: PASSWORD, emailCode: true });
    const first = await emailCodeApproval([payment], email);
    // the person (or a relay) abandons it; another approval in another browser tries its code
    const other = new Browser(stepup.issuer);
    const second = await approving([{ ...payment, creditorName: 'MALLORY' }]);
    await other.open(second.url);
    await other.submit('/login', { email, password: PASSWORD });
    await other.open(`${other.page.url.replace(/\?.*$/, '')}?method=email`);
    const csrf = other.forms()[0]!.fields.csrf!;
    await other.post(new URL(other.page.url).pathname, { csrf, method: 'email', code: first.code });
    expect(other.page.status).toBe(401);
    expect(other.page.url).toMatch(/\/second-factor/);
    // and a sign-in without an approval cannot use it either
    const plain = new Browser(stepup.issuer);
    await plain.open((await bank.authorize({ acr_values: 'urn:stepup:loa:2fa' })).url);
    await plain.submit('/login', { email, password: PASSWORD });
    await plain.open(`${plain.page.url.replace(/\?.*$/, '')}?method=email`);
    await plain.post(new URL(plain.page.url).pathname, { csrf: plain.forms()[0]!.fields.csrf!, method: 'email', code: first.code });
    expect(plain.page.status).toBe(401);
    // the approval it was sent for still takes it
    await first.browser.submit('/second-factor', { method: 'email', code: first.code });
    expect(first.browser.callbackUrl.searchParams.get('code')).not.toBeNull();
  });
});

test('prompt=none cannot approve: interaction_required, and no code', async () => {
  const browser = await signedInAt2fa();
  const authorization = await approving([payment], { prompt: 'none' });
  await browser.open(authorization.url);
  expect(browser.callbackUrl.searchParams.get('error')).toBe('interaction_required');
  expect(browser.callbackUrl.searchParams.get('code')).toBeNull();
});

test('an app code used to approve one payment is refused for another', async () => {
  const browser = await signedInAt2fa();
  const first = await approving([payment]);
  await browser.open(first.url);
  const code = await totpCode(stepup, person.secret);
  await browser.submit('/second-factor', { code });
  await first.exchange(browser.callbackUrl, { resource: payments });

  const second = await approving([{ ...payment, creditorName: 'Another payee' }]);
  await browser.open(second.url);
  expect(browser.page.html).toContain('Pay €120.00 to Another payee');
  await browser.submit('/second-factor', { code });
  expect(browser.page.status).toBe(401);
  expect(browser.page.url).toMatch(/\/second-factor$/);
  nextTimeStep(stepup);
});

test('a refresh token does not carry the approval on: its access tokens have no authorization_details', async () => {
  const browser = await signedInAt2fa();
  const authorization = await approving([payment], { scope: 'openid payments:write offline_access', prompt: 'consent' });
  await browser.open(authorization.url);
  await browser.submit('/second-factor', { code: await totpCode(stepup, person.secret) });
  nextTimeStep(stepup);
  const tokens = await authorization.exchange(browser.callbackUrl, { resource: payments });
  expect(tokens.refresh_token).toBeDefined();
  const refreshed = await oidc.refreshTokenGrant(bank.config, tokens.refresh_token!, { resource: payments });
  expect(claimsOf(refreshed.access_token).authorization_details).toBeUndefined();
});

test.each([
  ['a type the client is not registered for', [{ type: 'account_information', accounts: ['x'] }]],
  ['an amount that is not an amount', [{ ...payment, instructedAmount: { currency: 'EUR', amount: 'all of it' } }]],
  ['a field the type does not have', [{ ...payment, note: 'extra' }]],
  ['no payee', [{ type: 'payment_initiation', instructedAmount: { currency: 'EUR', amount: '1.00' } }]],
])('%s is refused with invalid_authorization_details', async (_, details) => {
  const browser = new Browser(stepup.issuer);
  await browser.open((await approving(details)).url);
  expect(browser.callbackUrl.searchParams.get('error')).toBe('invalid_authorization_details');
});

test('a client registered for no type may send none', async () => {
  const other = await relyingParty(stepup, { firstParty: true, allowedResources: { [payments]: ['payments:write'] } });
  const browser = new Browser(stepup.issuer);
  const authorization = await other.authorize({ scope: 'openid payments:write', resource: payments, authorization_details: JSON.stringify([payment]) });
  await browser.open(authorization.url);
  expect(browser.callbackUrl.searchParams.get('error')).toBe('invalid_authorization_details');
});

describeInChromium('the approval page')('in Chromium', () => {
  let chromium: Chromium;
  beforeAll(async () => {
    chromium = await launchChromium();
  });
  afterAll(() => chromium?.close());

  test('shows the payment, then the app code approves it', async () => {
    const page = await (await chromium.newContext()).newPage();
    await page.route(`${bank.redirectUri}**`, (route) => route.fulfill({ status: 200, body: 'approved' }));
    const authorization = await approving([payment]);
    await page.goto(authorization.url);
    await page.getByLabel('Email').fill(person.email);
    await page.getByLabel('Password').fill(person.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    const approval = page.getByRole('region', { name: 'Test App asks you to approve' });
    await approval.waitFor();
    expect(await approval.getByRole('listitem').allTextContents()).toEqual(['Pay €120.00 to ACME']);
    if (process.env.STEPUP_SCREENSHOTS) await page.screenshot({ path: process.env.STEPUP_SCREENSHOTS });
    await page.getByLabel('Authenticator app').fill(await totpCode(stepup, person.secret));
    const callback = page.waitForRequest((request) => request.url().startsWith(bank.redirectUri));
    await page.getByRole('button', { name: 'Continue' }).click();
    const tokens = await authorization.exchange(new URL((await callback).url()), { resource: payments });
    nextTimeStep(stepup);
    expect(claimsOf(tokens.access_token).authorization_details).toEqual([payment]);
    await page.context().close();
  });
});

describe('which types a client may send is set by admins', () => {
  test('the admin service refuses a type the configuration does not declare, naming those it does', async () => {
    await expect(
      addClient(stepup.container, { name: 'Other', redirectUris: ['https://other.example/cb'], authorizationDetailsTypes: ['account_information'] }),
    ).rejects.toThrow("authorizationDetailsTypes: account_information not in the configuration's authorizationDetailsTypes (payment_initiation)");
  });

  test('the CLI sets, shows and clears them', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'stepup-rar-cli-'));
    try {
      const config = join(dataDir, 'config.json');
      writeFileSync(
        config,
        JSON.stringify({ authorizationDetailsTypes: { payment_initiation: { summary: 'Pay {instructedAmount}', schema: paymentSchema } } }),
      );
      const env = { DATA_DIR: dataDir, STEPUP_CONFIG: config };
      const cli = (args: string[]) => {
        const run = runStepupCli(env, [...args, '--json']);
        if (run.code !== 0) throw new Error(run.stderr);
        return JSON.parse(run.stdout) as { client_id: string; authorization_details_types: string[] };
      };
      const added = cli(['client', 'add', '--name', 'Bank', '--redirect-uri', 'https://bank.example/cb', '--authorization-details-type', 'payment_initiation']);
      expect(added.authorization_details_types).toEqual(['payment_initiation']);
      expect(cli(['client', 'update', added.client_id, '--authorization-details-type', 'none']).authorization_details_types).toEqual([]);
      const refused = runStepupCli(env, ['client', 'update', added.client_id, '--authorization-details-type', 'wire_transfer']);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain('wire_transfer not in the configuration');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
