/** Lockout state and its arithmetic: pure rules, the stores only keep the state. */

/** A counter in a time window, shared by every server process (rate limits, lockout). */
export interface CounterState {
  count: number;
  expiresAt: number;
}

/** What a lockout counts apart: failed passwords and failed second factors. */
export type LockoutCount = 'password' | 'second_factor';

/**
 * One subject's lockout, in one record: its lock, its lockouts in the last day (each doubles
 * the next lock), and its attempts of each kind in the current window. A part whose time has
 * passed counts as absent.
 */
export interface LockoutState {
  lockedUntil?: number;
  lockouts?: CounterState;
  password?: CounterState;
  second_factor?: CounterState;
}

/** How long a lock lasts: `baseMs` doubled for each earlier lockout in the day, at most `maxMs`. */
export interface LockPeriod {
  baseMs: number;
  maxMs: number;
}

/** The length of the lock that is the subject's `lockouts`th in a day. */
export const lockMs = (period: LockPeriod, lockouts: number) => Math.min(period.baseMs * 2 ** (lockouts - 1), period.maxMs);

/** The parts of a stored state that are still live at `now`. */
export function liveLockoutState(stored: LockoutState, now: number): LockoutState {
  const live: LockoutState = {};
  if (stored.lockedUntil && stored.lockedUntil > now) live.lockedUntil = stored.lockedUntil;
  for (const part of ['lockouts', 'password', 'second_factor'] as const) {
    const counter = stored[part];
    if (counter && counter.expiresAt > now) live[part] = { count: counter.count, expiresAt: counter.expiresAt };
  }
  return live;
}

/** When nothing in the state is live any more (0 for an empty one): the sweeper deletes it then. */
export const lockoutStateEnd = (state: LockoutState) =>
  Math.max(0, ...[state.lockedUntil, state.lockouts?.expiresAt, state.password?.expiresAt, state.second_factor?.expiresAt].map((end) => end ?? 0));
