import type { MethodKind } from '../factors/methods.ts';
import type { Factor } from '../model/factor.ts';

/** What the person holds that a sign-in may ask for. */
export interface Credentials {
  /** the methods the second-factor page may offer (recovery when codes are left) */
  methods: MethodKind[];
  /** a passkey whose assertion proves phr now */
  phrPasskey: boolean;
  /** when the first of the person's held passkeys starts to prove phr; null when none is held */
  heldUntil: number | null;
  /** when the passkey registered in this very sign-in starts to prove phr; null when none was */
  addedInThisSignIn: number | null;
}

/** When a passkey starts to prove phr: passkeys from before holds existed prove it at once. */
export const phrFromOf = (factor: Factor): number => factor.passkey?.phrFrom ?? 0;

/**
 * The person's passkeys at `now`: whether one proves phr, and when a held one will. A passkey
 * registered in the sign-in marked `signInMark` (see `addedIn`) proves nothing more in it.
 */
export function passkeyStanding(factors: Factor[], now: number, signInMark?: string): Omit<Credentials, 'methods'> {
  const all = factors.filter((f) => f.kind === 'webauthn' && f.confirmedAt !== null && f.passkey);
  const addedHere = signInMark === undefined ? [] : all.filter((f) => f.passkey?.addedIn === signInMark);
  const passkeys = all.filter((f) => !addedHere.includes(f));
  const held = passkeys.map(phrFromOf).filter((from) => from > now);
  return {
    phrPasskey: passkeys.some((f) => phrFromOf(f) <= now),
    heldUntil: held.length > 0 ? Math.min(...held) : null,
    addedInThisSignIn: addedHere.length > 0 ? Math.max(...addedHere.map(phrFromOf)) : null,
  };
}

/**
 * When a passkey registered now starts to prove phr: at once when the session that adds it
 * proved phr (with another passkey), else after the hold, so a relay that registers its own
 * authenticator from a 2fa session cannot climb to phr before the owner hears of it.
 */
export const phrFromForNew = (sessionProvedPhr: boolean, now: number, holdMs: number) => (sessionProvedPhr ? now : now + holdMs);
