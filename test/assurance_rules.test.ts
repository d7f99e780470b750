import {
  ACR_1FA,
  ACR_2FA,
  ACR_PHR,
  askedLevel,
  type Credentials,
  decideChange,
  decideSignIn,
  type Proof,
  passkeyStanding,
  reachedBy,
  rememberAllowed,
  rememberedAccepted,
  requiredLevel,
  sessionMeets,
} from '../src/assurance/index.ts';
import { rememberBrowserDaysProblem } from '../src/model/client.ts';
import type { Factor } from '../src/model/factor.ts';

// The assurance service's rules as tables: pure, no server, milliseconds.

const now = 1_000_000_000;
const password: Proof = { kind: 'password', at: now - 5000 };
const totp: Proof = { kind: 'code', method: 'totp', at: now };
const sms: Proof = { kind: 'code', method: 'sms', at: now };
const passkey = (over: Partial<Extract<Proof, { kind: 'passkey' }>> = {}): Proof => ({
  kind: 'passkey',
  at: now,
  amr: ['hwk', 'user'],
  userVerified: true,
  phrFrom: 0,
  addedInThisSignIn: false,
  ...over,
});

describe('the level proofs reach', () => {
  test.each([
    ['nothing', [], null, null],
    ['a password', [password], ACR_1FA, ['pwd']],
    ['a password and an app code', [password, totp], ACR_2FA, ['pwd', 'otp', 'mfa']],
    ['a password and an SMS code', [password, sms], ACR_2FA, ['pwd', 'sms', 'mfa']],
    ['a password and a passkey', [password, passkey()], ACR_PHR, ['pwd', 'hwk', 'user', 'mfa']],
    ['a password and a held passkey', [password, passkey({ phrFrom: now + 1 })], ACR_2FA, ['pwd', 'hwk', 'user', 'mfa']],
    ['a password and a passkey added in this sign-in', [password, passkey({ addedInThisSignIn: true })], ACR_2FA, ['pwd', 'hwk', 'user', 'mfa']],
    ['a user-verified passkey alone', [passkey()], ACR_2FA, ['hwk', 'user', 'mfa']],
    ['a passkey that did not verify the user', [passkey({ userVerified: false, amr: ['hwk'] })], ACR_1FA, ['hwk']],
    ['a passkey, then the password', [passkey({ userVerified: false, amr: ['swk'] }), password], ACR_PHR, ['pwd', 'swk', 'mfa']],
  ] as const)('%s', (_name, proofs, acr, amr) => {
    const reached = reachedBy([...proofs]);
    expect(reached?.acr ?? null).toBe(acr);
    expect(reached?.amr ?? null).toEqual(amr);
  });

  test('auth_time is the password, the second factor time the later factor; none below 2fa', () => {
    expect(reachedBy([password, totp])).toMatchObject({ authTime: password.at, secondFactorAt: now });
    expect(reachedBy([password])).toMatchObject({ authTime: password.at, secondFactorAt: null });
    expect(reachedBy([passkey({ at: now - 1 })])).toMatchObject({ authTime: now - 1, secondFactorAt: now - 1 });
  });
});

describe('the level a request needs', () => {
  test.each([
    ['required', {}, ACR_2FA],
    ['on-request', {}, ACR_1FA],
    ['phishing-resistant', {}, ACR_PHR],
    ['on-request', { mfa_max_age: '60' }, ACR_2FA],
    ['on-request', { acr_values: `${ACR_PHR} ${ACR_2FA}` }, ACR_2FA],
    ['on-request', { acr_values: 'urn:other' }, ACR_1FA],
    ['required', { claims: JSON.stringify({ id_token: { acr: { essential: true, value: ACR_PHR } } }) }, ACR_PHR],
    ['required', { claims: JSON.stringify({ id_token: { acr: { value: ACR_PHR } } }) }, ACR_2FA],
    ['required', { claims: 'not json' }, ACR_2FA],
    // a transaction to approve (authorization_details) needs a second factor whatever the policy
    ['on-request', { authorization_details: '[{"type":"payment_initiation"}]' }, ACR_2FA],
    ['on-request', { authorization_details: '[]' }, ACR_1FA],
    ['phishing-resistant', { authorization_details: '[{"type":"payment_initiation"}]' }, ACR_PHR],
  ] as const)('%s with %j needs %s', (policy, ask, needed) => {
    expect(requiredLevel(policy, ask)).toBe(needed);
  });

  // what the request itself asks, apart from the client's policy: with prompt=none, a level the
  // request asks and the session lacks is unmet_authentication_requirements
  test.each([
    [{}, undefined],
    [{ mfa_max_age: '60' }, undefined],
    [{ acr_values: ACR_1FA }, undefined],
    [{ acr_values: `${ACR_1FA} ${ACR_2FA}` }, undefined],
    [{ acr_values: ACR_2FA }, ACR_2FA],
    [{ acr_values: `${ACR_PHR} ${ACR_2FA}` }, ACR_2FA],
    [{ claims: JSON.stringify({ id_token: { acr: { essential: true, value: ACR_PHR } } }) }, ACR_PHR],
    [{ claims: JSON.stringify({ id_token: { acr: { value: ACR_PHR } } }) }, undefined],
    [{ acr_values: ACR_2FA, claims: JSON.stringify({ id_token: { acr: { essential: true, values: [ACR_PHR] } } }) }, ACR_PHR],
  ] as const)('%j asks for %s itself', (ask, asked) => {
    expect(askedLevel(ask)).toBe(asked);
  });
});

const credentials =
  (over: Partial<Credentials> = {}) =>
  async (): Promise<Credentials> => ({ methods: ['totp'], phrPasskey: false, heldUntil: null, addedInThisSignIn: null, ...over });

describe('what a sign-in does next', () => {
  test.each([
    ['1fa with the password', ACR_1FA, [password], {}, { kind: 'pass' }],
    ['2fa with the password: the second factor', ACR_2FA, [password], {}, { kind: 'ask', methods: ['totp'], thenAddPasskey: false }],
    ['2fa with no method: enrolment', ACR_2FA, [password], { methods: [] }, { kind: 'enrol', passkeyOnly: false }],
    [
      '2fa after a passkey added at enrolment: asked again',
      ACR_2FA,
      [password],
      { methods: ['webauthn', 'recovery'], addedInThisSignIn: now + 60 },
      { kind: 'ask', methods: ['webauthn', 'recovery'] },
    ],
    ['2fa with a password and code', ACR_2FA, [password, totp], {}, { kind: 'pass' }],
    ['2fa after a passkey that did not verify the user: the password', ACR_2FA, [passkey({ userVerified: false })], {}, { kind: 'ask_password' }],
    [
      'phr with a passkey that proves it: only the passkey',
      ACR_PHR,
      [password],
      { methods: ['totp', 'webauthn'], phrPasskey: true },
      { kind: 'ask', methods: ['webauthn'] },
    ],
    ['phr with an app only: the app, then a passkey to add', ACR_PHR, [password], {}, { kind: 'ask', methods: ['totp'], thenAddPasskey: true }],
    ['phr after the app code: enrol a passkey', ACR_PHR, [password, totp], {}, { kind: 'enrol', passkeyOnly: true }],
    [
      'phr after adding a passkey: unmet, never phr',
      ACR_PHR,
      [password, totp],
      { methods: ['totp', 'webauthn'], addedInThisSignIn: now + 60 },
      { kind: 'unmet', needed: ACR_PHR, heldUntil: now + 60 },
    ],
    [
      'phr after adding a passkey without a hold: still unmet, never asked for that passkey',
      ACR_PHR,
      [password, totp],
      { methods: ['totp', 'webauthn'], addedInThisSignIn: now },
      { kind: 'unmet', needed: ACR_PHR },
    ],
    [
      'phr after adding a passkey, with an older one that proves phr: the older one',
      ACR_PHR,
      [password, totp],
      { methods: ['totp', 'webauthn'], phrPasskey: true, addedInThisSignIn: now },
      { kind: 'ask', methods: ['webauthn'] },
    ],
    [
      'phr with a held passkey: unmet until its hold ends',
      ACR_PHR,
      [password],
      { methods: ['webauthn'], heldUntil: now + 60 },
      { kind: 'unmet', heldUntil: now + 60 },
    ],
    [
      'phr with a password and a held passkey assertion: unmet',
      ACR_PHR,
      [password, passkey({ phrFrom: now + 60 })],
      { methods: ['webauthn'], heldUntil: now + 60 },
      { kind: 'unmet' },
    ],
    ['phr with a password and a passkey that proves it', ACR_PHR, [password, passkey()], {}, { kind: 'pass' }],
    ['phr with no method at all: enrol a passkey', ACR_PHR, [password], { methods: [] }, { kind: 'enrol', passkeyOnly: true }],
  ] as const)('%s', async (_name, needed, proofs, held, expected) => {
    const decision = await decideSignIn({ needed, proofs: [...proofs], credentials: credentials(held as Partial<Credentials>) });
    expect(decision).toMatchObject(expected);
  });

  test('a passkey added in this sign-in never passes a phr request, whatever its hold', async () => {
    const proofs = [password, passkey({ addedInThisSignIn: true, phrFrom: 0 })];
    const decision = await decideSignIn({
      needed: ACR_PHR,
      proofs,
      credentials: credentials({ methods: ['webauthn'], addedInThisSignIn: 0 }),
    });
    expect(decision.kind).toBe('unmet');
  });

  test('the credentials are not read when the proofs suffice', async () => {
    let reads = 0;
    const read = () => {
      reads += 1;
      return credentials()();
    };
    await decideSignIn({ needed: ACR_1FA, proofs: [password], credentials: read });
    expect(reads).toBe(0);
  });
});

describe('changes to what proves a level', () => {
  const window = 300_000;
  const session = (acr: string, ageMs: number | null) => ({ acr, secondFactorAt: ageMs === null ? null : now - ageMs });
  test.each([
    ['a passkey, account with one, fresh 2fa session', 'passkeys', session(ACR_2FA, 10), true, { kind: 'ask', level: ACR_PHR }],
    ['a passkey, account with one, fresh phr session', 'passkeys', session(ACR_PHR, 10), true, { kind: 'allow' }],
    ['a passkey, account with one, stale phr session', 'passkeys', session(ACR_PHR, window + 1), true, { kind: 'ask', level: ACR_PHR }],
    ['a passkey, account without one, fresh 2fa session', 'passkeys', session(ACR_2FA, 10), false, { kind: 'allow' }],
    ['a passkey, account without one, stale 2fa session', 'passkeys', session(ACR_2FA, window + 1), false, { kind: 'ask', level: ACR_2FA }],
    ['another factor, account with a passkey, fresh 2fa session', 'factors', session(ACR_2FA, 10), true, { kind: 'allow' }],
    ['another factor, a 1fa session', 'factors', session(ACR_1FA, null), false, { kind: 'ask', level: ACR_2FA }],
    ['the console, admin with a passkey, 2fa session', 'console', session(ACR_2FA, 10), true, { kind: 'ask', level: ACR_PHR }],
    ['the console, admin without a passkey, fresh 2fa', 'console', session(ACR_2FA, 10), false, { kind: 'allow' }],
  ] as const)('%s', (_name, guarded, proof, phrPasskey, expected) => {
    expect(decideChange({ guarded, session: proof, phrPasskey, windowMs: window, now })).toMatchObject(expected);
  });

  test('a session meets a level only at or above it, and within the age asked', () => {
    expect(sessionMeets({ acr: ACR_PHR, secondFactorAt: now }, ACR_2FA, 10, now)).toBe(true);
    expect(sessionMeets({ acr: ACR_2FA, secondFactorAt: now }, ACR_PHR, null, now)).toBe(false);
    expect(sessionMeets({ acr: ACR_2FA, secondFactorAt: now - 11 }, ACR_2FA, 10, now)).toBe(false);
    expect(sessionMeets({ acr: ACR_2FA, secondFactorAt: null }, ACR_2FA, 10, now)).toBe(false);
    expect(sessionMeets(undefined, ACR_1FA, null, now)).toBe(false);
  });
});

describe("a person's passkeys", () => {
  const factor = (phrFrom: number | undefined, confirmed = true, addedIn?: string): Factor => ({
    id: `${phrFrom}-${addedIn}`,
    accountId: 'a',
    kind: 'webauthn',
    secretCiphertext: null,
    target: null,
    confirmedAt: confirmed ? 1 : null,
    lastTimeStep: null,
    createdAt: 1,
    passkey: {
      credentialId: 'c',
      publicKey: 'k',
      counter: 0,
      transports: [],
      synced: false,
      backedUp: false,
      userVerified: true,
      name: 'n',
      lastUsedAt: null,
      ...(phrFrom === undefined ? {} : { phrFrom }),
      ...(addedIn === undefined ? {} : { addedIn }),
    },
  });
  test.each([
    ['none', [], { phrPasskey: false, heldUntil: null, addedInThisSignIn: null }],
    ['one from before holds', [factor(undefined)], { phrPasskey: true, heldUntil: null, addedInThisSignIn: null }],
    ['one whose hold ended', [factor(now)], { phrPasskey: true, heldUntil: null, addedInThisSignIn: null }],
    ['one held', [factor(now + 5)], { phrPasskey: false, heldUntil: now + 5, addedInThisSignIn: null }],
    ['two held: the first to end', [factor(now + 9), factor(now + 5)], { phrPasskey: false, heldUntil: now + 5, addedInThisSignIn: null }],
    ['an unconfirmed one', [factor(undefined, false)], { phrPasskey: false, heldUntil: null, addedInThisSignIn: null }],
    [
      'one added in this sign-in, without a hold: proves nothing more here',
      [factor(now, true, 'here')],
      { phrPasskey: false, heldUntil: null, addedInThisSignIn: now },
    ],
    ['one added in another sign-in', [factor(now, true, 'elsewhere')], { phrPasskey: true, heldUntil: null, addedInThisSignIn: null }],
  ] as const)('%s', (_name, factors, expected) => {
    expect(passkeyStanding([...factors], now, 'here')).toEqual(expected);
  });
});

describe('a remembered browser', () => {
  const remembered = (factorAt = now - 86_400_000): Proof => ({ kind: 'remembered', at: now, factorAt });

  test.each([
    ['a password and a remembered browser', [password, remembered()], ACR_2FA, ['pwd', 'pop', 'mfa']],
    // the key is in a browser, not an authenticator: never phishing-resistant, never otp or hwk
    [
      'a password, a remembered browser and a held passkey',
      [password, remembered(), passkey({ phrFrom: now + 1 })],
      ACR_2FA,
      ['pwd', 'pop', 'hwk', 'user', 'mfa'],
    ],
    ['a remembered browser alone', [remembered()], null, null],
  ] as const)('%s', (_name, proofs, acr, amr) => {
    const reached = reachedBy([...proofs]);
    expect(reached?.acr ?? null).toBe(acr);
    expect(reached?.amr ?? null).toEqual(amr);
  });

  test("the second factor's time stays the real factor's that made the key", () => {
    expect(reachedBy([password, remembered(now - 3_600_000)])).toMatchObject({ authTime: password.at, secondFactorAt: now - 3_600_000 });
    // with a real factor too, the latest real factor
    expect(reachedBy([password, remembered(now - 3_600_000), { ...totp, at: now - 60_000 }])).toMatchObject({ secondFactorAt: now - 60_000 });
  });

  const hour = 3_600_000;
  test.each([
    ['a client that allows it', 7, ACR_2FA, {}, now - hour, true],
    ['a client that does not', null, ACR_2FA, {}, now - hour, false],
    ['a phr sign-in', 7, ACR_PHR, {}, now - hour, false],
    ['an approval (authorization_details)', 7, ACR_2FA, { authorization_details: '[{"type":"payment_initiation"}]' }, now - hour, false],
    ['an empty authorization_details', 7, ACR_2FA, { authorization_details: '[]' }, now - hour, true],
    ['mfa_max_age longer than the real factor is old', 7, ACR_2FA, { mfa_max_age: '7200' }, now - hour, true],
    ['mfa_max_age shorter than the real factor is old', 7, ACR_2FA, { mfa_max_age: '60' }, now - hour, false],
    ['on-request at 1fa (nothing asks for it, but it is no harm)', 7, ACR_1FA, {}, now - hour, true],
  ] as const)('%s: accepted %s', (_name, rememberDays, needed, ask, factorAt, accepted) => {
    expect(rememberedAccepted({ rememberDays, needed, ask, factorAt, now })).toBe(accepted);
  });

  test.each([
    ['a client that allows it', 7, ACR_2FA, {}, true],
    ['a client that does not', null, ACR_2FA, {}, false],
    ['a phr sign-in', 7, ACR_PHR, {}, false],
    ['an approval', 7, ACR_2FA, { authorization_details: '[{"type":"x"}]' }, false],
  ] as const)('offered to %s: %s', (_name, rememberDays, needed, ask, offered) => {
    expect(rememberAllowed({ rememberDays, needed, ask })).toBe(offered);
  });

  test.each([
    [undefined, 'required', null],
    [7, 'required', null],
    [30, 'on-request', null],
    [0, 'required', 'whole number'],
    [31, 'required', 'whole number'],
    [1.5, 'required', 'whole number'],
    ['7', 'required', 'whole number'],
    [7, 'phishing-resistant', 'phishing-resistant'],
  ] as const)('remember_browser_days %j on a %s client: %s', (days, policy, problem) => {
    const found = rememberBrowserDaysProblem(days, policy);
    if (problem === null) expect(found).toBeNull();
    else expect(found).toContain(problem);
  });
});
