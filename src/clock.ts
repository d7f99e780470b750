/** Time is injected so expiry, lockouts and TOTP steps are tested without sleeping. */
export interface Clock {
  /** milliseconds since the epoch */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
