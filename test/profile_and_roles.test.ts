import * as oidc from 'openid-client';
import { Browser } from './support/browser.ts';
import { runStepupCli } from './support/cli.ts';
import { type Enrolled, enrolThroughSignIn, signIn } from './support/people.ts';
import { plantedPasskey } from './support/planted_passkey.ts';
import { type RelyingParty, relyingParty } from './support/relying_party.ts';
import { type RunningStepup, startStepup } from './support/stepup.ts';

const TOKEN = 'admin-token-for-tests-0123456789abcdef';
let stepup: RunningStepup;
let rp: RelyingParty;

beforeAll(async () => {
  stepup = await startStepup({ ADMIN_TOKEN: TOKEN });
  rp = await relyingParty(stepup, { firstParty: true, name: 'Directory' });
});
afterAll(() => stepup.stop());

const cliEnv = () => ({ DATA_DIR: stepup.dataDir, ...(stepup.container.config.mongodbUri ? { MONGODB_URI: stepup.container.config.mongodbUri } : {}) });
const scope = 'openid email profile roles';

/** Signs `person` in to `app` with the profile and roles scopes: the ID token's claims and userinfo. */
async function claimsFor(app: RelyingParty, person: Enrolled) {
  const authorization = await app.authorize({ scope });
  const browser = new Browser(stepup.issuer);
  await signIn(stepup, browser, authorization.url, person);
  const tokens = await authorization.exchange(browser.callbackUrl);
  const idToken = tokens.claims()!;
  return { idToken, userinfo: await oidc.fetchUserInfo(app.config, tokens.access_token, idToken.sub) };
}

test('discovery offers the profile and roles scopes and their claims', async () => {
  const metadata = (await (await fetch(`${stepup.issuer}/.well-known/openid-configuration`)).json()) as {
    scopes_supported: string[];
    claims_supported: string[];
  };
  expect(metadata.scopes_supported).toEqual(expect.arrayContaining(['profile', 'roles']));
  expect(metadata.claims_supported).toEqual(
    expect.arrayContaining(['name', 'given_name', 'family_name', 'preferred_username', 'locale', 'updated_at', 'roles', 'groups']),
  );
});

test('profile claims set through the admin API and roles through the CLI reach userinfo; the ID token stays lean by default', async () => {
  const person = await enrolThroughSignIn(stepup, new Browser(stepup.issuer), (await rp.authorize()).url);
  const patched = await fetch(`${stepup.issuer}/admin/api/v1/users/${person.email}`, {
    method: 'PATCH',
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ profile: { name: 'Ada Lovelace', givenName: 'Ada', familyName: 'Lovelace', preferredUsername: 'ada', locale: 'en-GB' } }),
  });
  expect(patched.status).toBe(200);
  expect(await patched.json()).toMatchObject({ profile: { name: 'Ada Lovelace', locale: 'en-GB' } });
  const roles = runStepupCli(cliEnv(), ['user', 'update', person.email, '--role', 'engineering', '--role', 'admins', '--json']);
  expect(roles.code).toBe(0);
  expect(JSON.parse(roles.stdout)).toMatchObject({ roles: ['admins', 'engineering'] });

  const { idToken, userinfo } = await claimsFor(rp, person);
  expect(userinfo).toMatchObject({
    name: 'Ada Lovelace',
    given_name: 'Ada',
    family_name: 'Lovelace',
    preferred_username: 'ada',
    locale: 'en-GB',
    updated_at: expect.any(Number),
    roles: ['admins', 'engineering'],
    groups: ['admins', 'engineering'],
    email: person.email,
  });
  expect(idToken).not.toHaveProperty('name');
  expect(idToken).not.toHaveProperty('email');
  expect(idToken).not.toHaveProperty('groups');
  expect(idToken.acr).toBe('urn:stepup:loa:2fa');

  // bad input changes nothing
  const bad = runStepupCli(cliEnv(), ['user', 'update', person.email, '--locale', 'not a locale', '--json']);
  expect(bad.code).toBe(1);
  expect(bad.stderr).toContain('BCP 47');
});

test('every claim of the profile scope (OIDC Core 5.4) can be set, through the CLI and the admin API, and reaches userinfo', async () => {
  const person = await enrolThroughSignIn(stepup, new Browser(stepup.issuer), (await rp.authorize()).url);
  const cli = runStepupCli(cliEnv(), [
    ...['user', 'update', person.email, '--name', 'Ada King', '--given-name', 'Ada', '--family-name', 'King', '--middle-name', 'Augusta'],
    ...['--nickname', 'Ada', '--preferred-username', 'ada', '--profile-url', 'https://example.com/ada', '--picture', 'https://example.com/ada.png'],
    ...['--website', 'https://ada.example', '--gender', 'female', '--birthdate', '1815-12-10', '--zoneinfo', 'Europe/London', '--locale', 'en-GB', '--json'],
  ]);
  expect(cli.code).toBe(0);
  const api = (profile: object) =>
    fetch(`${stepup.issuer}/admin/api/v1/users/${person.email}`, {
      method: 'PATCH',
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ profile }),
    });
  expect((await api({ birthdate: '0000-12-10' })).status).toBe(200);

  const { userinfo } = await claimsFor(rp, person);
  expect(userinfo).toMatchObject({
    name: 'Ada King',
    given_name: 'Ada',
    family_name: 'King',
    middle_name: 'Augusta',
    nickname: 'Ada',
    preferred_username: 'ada',
    profile: 'https://example.com/ada',
    picture: 'https://example.com/ada.png',
    website: 'https://ada.example',
    gender: 'female',
    birthdate: '0000-12-10',
    zoneinfo: 'Europe/London',
    locale: 'en-GB',
    updated_at: expect.any(Number),
  });
  const metadata = (await (await fetch(`${stepup.issuer}/.well-known/openid-configuration`)).json()) as { claims_supported: string[] };
  expect(metadata.claims_supported).toEqual(expect.arrayContaining(Object.keys(userinfo).filter((claim) => !['roles', 'groups'].includes(claim))));

  // bad values are refused, saying why, and change nothing
  for (const [profile, message] of [
    [{ website: 'javascript:alert(1)' }, 'http(s) URL'],
    [{ picture: 'not a url' }, 'http(s) URL'],
    [{ birthdate: '10/12/1815' }, 'YYYY-MM-DD'],
    [{ zoneinfo: 'Mars/Olympus' }, 'IANA'],
  ] as const) {
    const refused = await api(profile);
    expect(refused.status).toBe(400);
    expect(JSON.stringify(await refused.json())).toContain(message);
  }
  const cliRefused = runStepupCli(cliEnv(), ['user', 'update', person.email, '--zoneinfo', 'Nowhere', '--json']);
  expect(cliRefused.code).toBe(1);
  expect(cliRefused.stderr).toContain('IANA');
  expect((await claimsFor(rp, person)).userinfo).toMatchObject({ website: 'https://ada.example', zoneinfo: 'Europe/London', birthdate: '0000-12-10' });
});

test('a client registered with --id-token-claims gets the scope claims in the ID token too', async () => {
  const person = await enrolThroughSignIn(stepup, new Browser(stepup.issuer), (await rp.authorize()).url);
  await stepup.container.userAdmin.update(person.email, { profile: { name: 'Grace Hopper' }, roles: ['navy'] });
  const added = runStepupCli(cliEnv(), ['client', 'add', '--name', 'Proxy', '--redirect-uri', rp.redirectUri, '--first-party', '--id-token-claims', '--json']);
  const client = JSON.parse(added.stdout) as { client_id: string; client_secret: string; id_token_claims: boolean };
  expect(client.id_token_claims).toBe(true);
  const config = await oidc.discovery(new URL(stepup.issuer), client.client_id, client.client_secret, undefined, { execute: [oidc.allowInsecureRequests] });
  const proxy: RelyingParty = {
    ...rp,
    clientId: client.client_id,
    config,
    async authorize(params = {}) {
      const verifier = oidc.randomPKCECodeVerifier();
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: rp.redirectUri,
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        ...params,
      });
      return { url: url.href, exchange: (callback) => oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier }) };
    },
  };
  const { idToken } = await claimsFor(proxy, person);
  expect(idToken).toMatchObject({
    name: 'Grace Hopper',
    email: person.email,
    email_verified: false,
    groups: ['navy'],
    roles: ['navy'],
    acr: 'urn:stepup:loa:2fa',
  });
});

test('a person sets their own name in the account area', async () => {
  const browser = new Browser(stepup.issuer);
  const person = await enrolThroughSignIn(stepup, browser, `${stepup.issuer}/account`);
  await browser.submit('/account/name', { name: '  Katherine Johnson ' });
  expect(browser.page.html).toContain('Your name was saved.');
  expect(browser.page.html).toContain('value="Katherine Johnson"');
  const forged = await browser.post('/account/name', { name: 'Someone Else', csrf: 'forged' });
  expect(forged.status).toBe(403);
  const { userinfo } = await claimsFor(rp, person);
  expect(userinfo.name).toBe('Katherine Johnson');
});

test('the name form and the passkey rename refuse control characters with a 400 and change nothing', async () => {
  const browser = new Browser(stepup.issuer);
  const person = await enrolThroughSignIn(stepup, browser, `${stepup.issuer}/account`);
  await browser.submit('/account/name', { name: 'Mary Jackson' });
  const account = (await stepup.container.store.accounts.findByEmail(person.email))!;
  const now = stepup.clock.now();
  await stepup.container.store.factors.add(
    // planted (only a browser's WebAuthn ceremony makes one), and still held, as one added from a 2fa session is: this 2fa session may rename it
    plantedPasskey(account.id, now, { name: 'Laptop', userVerified: false, phrFrom: now + 86_400_000 }),
  );
  await browser.open('/account');

  for (const name of ['\u001b[2J\u001b[31mFAKE', 'Mary\nJackson', 'Mary\u009b1m', 'Mary\u007f']) {
    const named = await browser.submit('/account/name', { name });
    expect([name, named.status]).toEqual([name, 400]);
    expect(named.html).toContain('control characters');
    await browser.open('/account');
    const renamed = await browser.submit(`/account/passkeys/passkey-${now}/name`, { name });
    expect([name, renamed.status]).toEqual([name, 400]);
    expect(renamed.html).toContain('control characters');
    await browser.open('/account');
  }
  expect((await stepup.container.store.accounts.findByEmail(person.email))!.profile.name).toBe('Mary Jackson');
  expect((await stepup.container.store.factors.find(`passkey-${now}`))!.passkey!.name).toBe('Laptop');
});
