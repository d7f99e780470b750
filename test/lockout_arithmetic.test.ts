import { type LockoutState, liveLockoutState, lockMs, lockoutStateEnd } from '../src/model/lockout.ts';

// The lockout state's arithmetic (src/model/lockout.ts), which both stores share: pure, no store.

const minute = 60_000;
const period = { baseMs: 15 * minute, maxMs: 24 * 60 * minute };

test.each([
  ['the first lockout of the day: the base', 1, 15],
  ['the second: doubled', 2, 30],
  ['the third: doubled again', 3, 60],
  ['the seventh: 16 hours', 7, 960],
  ['the eighth would be 32 hours: the most, a day', 8, 1440],
  ['the twentieth: still a day', 20, 1440],
])('lock length: %s', (_, lockouts, minutes) => {
  expect(lockMs(period, lockouts)).toBe(minutes * minute);
});

test('a maximum under the base caps even the first lock', () => {
  expect(lockMs({ baseMs: 10 * minute, maxMs: 5 * minute }, 1)).toBe(5 * minute);
});

const now = 1_000_000;
const counter = (count: number, expiresAt: number) => ({ count, expiresAt });

test.each<[string, LockoutState, LockoutState]>([
  ['an empty state', {}, {}],
  [
    'everything still live',
    { lockedUntil: now + 1, lockouts: counter(2, now + 1), password: counter(3, now + 1), second_factor: counter(1, now + 1) },
    { lockedUntil: now + 1, lockouts: counter(2, now + 1), password: counter(3, now + 1), second_factor: counter(1, now + 1) },
  ],
  ['a lock ending now is over', { lockedUntil: now, password: counter(5, now + 10) }, { password: counter(5, now + 10) }],
  ['a counter expiring now is gone', { lockedUntil: now + 10, password: counter(5, now) }, { lockedUntil: now + 10 }],
  ['a past lockout count is forgotten: the next lock starts from the base again', { lockouts: counter(3, now - 1) }, {}],
  ['each part on its own time', { password: counter(4, now - 1), second_factor: counter(2, now + 1) }, { second_factor: counter(2, now + 1) }],
  ['no lock is read as none', { lockedUntil: 0, password: counter(1, now + 1) }, { password: counter(1, now + 1) }],
])('live parts: %s', (_, stored, live) => {
  expect(liveLockoutState(stored, now)).toEqual(live);
});

test('the live state is a copy: changing it leaves the stored one as it was', () => {
  const stored: LockoutState = { password: counter(1, now + 1) };
  liveLockoutState(stored, now).password!.count = 9;
  expect(stored.password!.count).toBe(1);
});

test.each<[string, LockoutState, number]>([
  ['an empty state: 0, delete at once', {}, 0],
  ['the lock alone', { lockedUntil: now + 5 }, now + 5],
  [
    'the latest of its parts',
    { lockedUntil: now + 5, lockouts: counter(1, now + 50), password: counter(1, now + 7), second_factor: counter(1, now + 9) },
    now + 50,
  ],
  ['a code counter outliving the lock', { lockedUntil: now + 5, second_factor: counter(1, now + 9) }, now + 9],
])('when the sweeper may delete the state: %s', (_, state, end) => {
  expect(lockoutStateEnd(state)).toBe(end);
});
