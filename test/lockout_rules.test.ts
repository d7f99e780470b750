import { countedIn, createLockout, forgets, type Lockout, passkeySubject } from '../src/security/lockout.ts';
import type { Store } from '../src/store/ports.ts';
import { skippedWithoutMongo } from './support/mongodb_server.ts';
import { type StoreUnderTest, storeAdapters } from './support/stores.ts';

/** Lockout counts per proof: which record each failure counts in, what each success forgets, and sequences of both. */

test.each([
  ['password', { record: 'account', subject: 'acct-1', count: 'password' }],
  ['second_factor', { record: 'account', subject: 'acct-1', count: 'second_factor' }],
  ['passkey', { record: 'passkey', subject: 'passkey:acct-1', count: 'password' }],
] as const)('%s failures are counted in their record', (kind, where) => {
  expect(countedIn('acct-1', kind)).toEqual(where);
});

test.each([
  // a right password resets its own count only: never the codes' (someone with the password guessing codes) nor the passkey's
  ['password', { account: ['password'], passkey: [] }],
  // a passkey alone (one factor) resets its own count only: never the password's (a thief of a key without a PIN guessing passwords)
  ['passkey', { account: [], passkey: ['password', 'lockouts'] }],
  // two factors (password and second factor, or a passkey that verified the user): password and code counts, and the account's past lockouts
  ['two_factors', { account: ['password', 'second_factor', 'lockouts'], passkey: [] }],
] as const)('a %s success forgets only its own counts', (success, parts) => {
  expect(forgets[success]).toEqual(parts);
});

/** One step of a sign-in as its caller takes it: each attempt is counted before it is checked. */
type Step = 'wrong password' | 'right password' | 'wrong code' | 'password and code' | 'failed passkey' | 'passkey 1fa' | 'passkey uv' | 'admin unlock';

async function take(lockout: Lockout, id: string, step: Step) {
  const tried = async (kind: 'password' | 'second_factor' | 'passkey') => (await lockout.attempt(id, kind)).allowed;
  switch (step) {
    case 'wrong password':
      if (await tried('password')) await lockout.failed(id, 'password');
      return;
    case 'right password':
      if (await tried('password')) await lockout.succeeded(id, 'password');
      return;
    case 'wrong code':
      if (await tried('second_factor')) await lockout.failed(id, 'second_factor');
      return;
    case 'password and code':
      if ((await tried('password')) && (await tried('second_factor'))) {
        await lockout.succeeded(id, 'password');
        await lockout.signedIn(id);
      }
      return;
    case 'failed passkey':
      if (await tried('passkey')) await lockout.failed(id, 'passkey');
      return;
    case 'passkey 1fa':
      if (await tried('passkey')) await lockout.succeeded(id, 'passkey');
      return;
    case 'passkey uv':
      if (await tried('passkey')) {
        await lockout.succeeded(id, 'passkey');
        await lockout.signedIn(id);
      }
      return;
    case 'admin unlock':
      await lockout.unlock(id);
      return;
  }
}

const times = (n: number, step: Step): Step[] => Array.from({ length: n }, () => step);

/** [what happens, then: is the password path locked, is the passkey path locked] (limits: 5 passwords, 5 passkeys, 5 codes) */
const sequences: [string, Step[], { password: boolean; passkey: boolean }][] = [
  ['five wrong passwords lock the password path only', times(5, 'wrong password'), { password: true, passkey: false }],
  ['five failed passkeys lock the passkey path only', times(5, 'failed passkey'), { password: false, passkey: true }],
  [
    'a passkey without user verification between wrong passwords does not reset their count',
    [...times(4, 'wrong password'), 'passkey 1fa', 'wrong password'],
    { password: true, passkey: false },
  ],
  [
    'twelve wrong passwords alternating with a key without a PIN: locked',
    [...times(4, 'wrong password'), 'passkey 1fa', ...times(4, 'wrong password'), 'passkey 1fa', ...times(4, 'wrong password')],
    { password: true, passkey: false },
  ],
  [
    'a passkey that verified the user resets the password count',
    [...times(4, 'wrong password'), 'passkey uv', ...times(4, 'wrong password')],
    { password: false, passkey: false },
  ],
  [
    'a right password resets the password count',
    [...times(4, 'wrong password'), 'right password', ...times(4, 'wrong password')],
    { password: false, passkey: false },
  ],
  [
    'a right password does not reset the passkey count',
    [...times(4, 'failed passkey'), 'right password', 'failed passkey'],
    { password: false, passkey: true },
  ],
  [
    'password and code do not reset the passkey count',
    [...times(4, 'failed passkey'), 'password and code', 'failed passkey'],
    { password: false, passkey: true },
  ],
  [
    'a passing passkey resets the passkey count',
    [...times(4, 'failed passkey'), 'passkey 1fa', ...times(4, 'failed passkey')],
    { password: false, passkey: false },
  ],
  [
    'a passkey without user verification does not reset the code count',
    [...times(4, 'wrong code'), 'passkey 1fa', 'wrong code'],
    { password: true, passkey: false },
  ],
  ['a right password does not reset the code count', [...times(4, 'wrong code'), 'right password', 'wrong code'], { password: true, passkey: false }],
  ['password and code reset the code count', [...times(4, 'wrong code'), 'password and code', ...times(4, 'wrong code')], { password: false, passkey: false }],
  [
    'a passkey that verified the user resets the code count',
    [...times(4, 'wrong code'), 'passkey uv', ...times(4, 'wrong code')],
    { password: false, passkey: false },
  ],
  ['the passkey path stays open while the password path is locked', [...times(5, 'wrong password'), 'passkey 1fa'], { password: true, passkey: false }],
  ['the password path stays open while the passkey path is locked', [...times(5, 'failed passkey'), 'right password'], { password: false, passkey: true }],
  ['an admin unlock opens both paths', [...times(5, 'wrong password'), ...times(5, 'failed passkey'), 'admin unlock'], { password: false, passkey: false }],
];

const adapters = skippedWithoutMongo('the lockout rules on MongoDB') ? storeAdapters.filter(([name]) => name === 'sqlite') : storeAdapters;

describe.each(adapters)('on the %s store', (_name, open) => {
  let subject: StoreUnderTest;
  let store: Store;
  let lockout: Lockout;
  let n = 0;

  beforeAll(async () => {
    subject = await open();
    store = subject.store;
    lockout = createLockout(store.lockouts, subject.clock, {
      passwordFailures: 5,
      secondFactorFailures: 5,
      baseLockSeconds: 900,
      maxLockSeconds: 86_400,
      failureWindowSeconds: 900,
    });
  });
  afterAll(() => subject.dispose());

  test.each(sequences)('%s', async (_what, steps, locked) => {
    const id = `acct-${++n}-${Math.random().toString(36).slice(2, 8)}`;
    for (const step of steps) await take(lockout, id, step);
    const locks = await lockout.locks(id);
    expect({ password: locks.password !== null, passkey: locks.passkey !== null }).toEqual(locked);
    expect(await lockout.lockedUntil(id)).toBe(locks.password);
    expect(locks.until).toBe(locks.password === null && locks.passkey === null ? null : Math.max(locks.password ?? 0, locks.passkey ?? 0));
  });

  test("the passkey path's lock doubles with its own lockouts, and a passing passkey forgets them", async () => {
    const id = `acct-doubling-${Math.random().toString(36).slice(2, 8)}`;
    const lockPeriod = async () => ((await lockout.locks(id)).passkey! - subject.clock.now()) / 60_000;
    for (const minutes of [15, 30]) {
      for (const step of times(5, 'failed passkey')) await take(lockout, id, step);
      expect(Math.round(await lockPeriod())).toBe(minutes);
      subject.clock.advance(minutes * 60_000 + 1000);
    }
    expect((await store.lockouts.get(passkeySubject(id)))?.lockouts?.count).toBe(2);
    await take(lockout, id, 'passkey uv');
    for (const step of times(5, 'failed passkey')) await take(lockout, id, step);
    expect(Math.round(await lockPeriod())).toBe(15);
  });
});
