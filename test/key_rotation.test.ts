import { createPublicKey, type JsonWebKey, verify } from 'node:crypto';
import { Browser } from './support/browser.ts';
import { enrolThroughSignIn } from './support/people.ts';
import { type RelyingParty, relyingParty } from './support/relying_party.ts';
import { type RunningStepup, startStepup } from './support/stepup.ts';

let stepup: RunningStepup;
let rp: RelyingParty;
const HOUR = 3_600_000;

beforeAll(async () => {
  stepup = await startStepup();
  rp = await relyingParty(stepup, { firstParty: true });
});
afterAll(() => stepup.stop());

type Jwk = JsonWebKey & { kid: string; alg: string; key_ops?: string[] };
const publishedKeys = async () => ((await (await fetch(`${stepup.issuer}/jwks`)).json()) as { keys: Jwk[] }).keys;

/** The kid that signed the ID token, after checking the signature against the published JWKS. */
async function signingKid(idToken: string): Promise<string> {
  const [header, payload, signature] = idToken.split('.') as [string, string, string];
  const { kid, alg } = JSON.parse(Buffer.from(header, 'base64url').toString()) as { kid: string; alg: string };
  expect(alg).toBe('RS256');
  const jwk = (await publishedKeys()).find((k) => k.kid === kid);
  if (!jwk) throw new Error(`kid ${kid} is not published`);
  expect(verify('sha256', Buffer.from(`${header}.${payload}`), createPublicKey({ key: jwk, format: 'jwk' }), Buffer.from(signature, 'base64url'))).toBe(true);
  return kid;
}

async function silentSignIn(browser: Browser) {
  const authorization = await rp.authorize({ prompt: 'none' });
  await browser.open(authorization.url);
  return (await authorization.exchange(browser.callbackUrl)).id_token!;
}

test('a rotation publishes new keys first, signs with them later, and retires the old ones', async () => {
  const browser = new Browser(stepup.issuer);
  const first = await rp.authorize();
  await enrolThroughSignIn(stepup, browser, first.url);
  const oldKid = await signingKid((await first.exchange(browser.callbackUrl)).id_token!);
  const oldKids = (await publishedKeys()).map((k) => k.kid);
  expect(oldKids).toHaveLength(2);

  // step 1: published, not signing
  const listed = await stepup.container.keyAdmin.rotate();
  const pending = listed.filter((k) => k.use === 'signing' && k.state === 'pending').map((k) => k.kid);
  expect(pending).toHaveLength(2);
  expect(await stepup.refreshKeys()).toBe(true);
  const published = await publishedKeys();
  expect(published.map((k) => k.kid).sort()).toEqual([...oldKids, ...pending].sort());
  expect(published.filter((k) => pending.includes(k.kid)).every((k) => k.key_ops?.join() === 'verify')).toBe(true);
  expect(published.every((k) => !('d' in k))).toBe(true);
  expect(await signingKid(await silentSignIn(browser))).toBe(oldKid);

  // step 2: after the publish delay the new key signs; the session made before goes on
  stepup.clock.advance(HOUR + 1000);
  expect(await stepup.refreshKeys()).toBe(true);
  const newKid = await signingKid(await silentSignIn(browser));
  expect(pending).toContain(newKid);
  expect((await publishedKeys()).map((k) => k.kid)).toEqual(expect.arrayContaining(oldKids));

  // the old keys go once every ID token they signed has expired
  stepup.clock.advance(HOUR + 1000);
  expect(await stepup.refreshKeys()).toBe(true);
  expect((await publishedKeys()).map((k) => k.kid).sort()).toEqual([...pending].sort());
  expect(await signingKid(await silentSignIn(browser))).toBe(newKid);

  // nothing changed since: no rebuild; and a restart keeps the same keys
  expect(await stepup.refreshKeys()).toBe(false);
  await stepup.restart();
  expect(await signingKid(await silentSignIn(browser))).toBe(newKid);
});

test('keys list shows each key with its state and schedule', async () => {
  const keys = await stepup.container.keyAdmin.list();
  expect(keys.map((k) => [k.use, k.alg, k.state])).toEqual(
    expect.arrayContaining([
      ['signing', 'RS256', 'active'],
      ['signing', 'ES256', 'active'],
      ['cookie', null, 'active'],
    ]),
  );
  expect(JSON.stringify(keys)).not.toMatch(/"d":|secret/);
});
