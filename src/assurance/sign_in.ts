import type { MethodKind } from '../factors/methods.ts';
import type { Credentials } from './credentials.ts';
import { ACR_PHR, type Acr, satisfies } from './levels.ts';
import { type Proof, type Reached, reachedBy } from './proofs.ts';

/** What a sign-in does next. */
export type SignInDecision =
  /** the proofs reach the needed level: sign in with this */
  | { kind: 'pass'; reached: Reached }
  /** a passwordless passkey was not enough: the password completes it */
  | { kind: 'ask_password' }
  /** a second factor among `methods`; `thenAddPasskey`: after it, a passkey is to be added */
  | { kind: 'ask'; methods: MethodKind[]; thenAddPasskey: boolean }
  /** the person has no method that reaches the level: enrol one (only a passkey when `passkeyOnly`), then ask again */
  | { kind: 'enrol'; passkeyOnly: boolean }
  /**
   * The level cannot be reached in this sign-in: a passkey added in it never proves phr, and a
   * held one only from `heldUntil` (null when a passkey was just added and is not held).
   */
  | { kind: 'unmet'; needed: Acr; heldUntil: number | null };

export interface SignInFacts {
  needed: Acr;
  /** what this sign-in proved (a step-up: the session's password too) */
  proofs: Proof[];
  /** the person's credentials, read only when the proofs fall short */
  credentials: () => Promise<Credentials>;
}

/**
 * What the proofs reach when it is `needed` or above, else null: all a login page needs to
 * know, since the second-factor page decides (with the person's credentials) what is asked next.
 */
export function passedWith(needed: Acr, proofs: Proof[]): Reached | null {
  const reached = reachedBy(proofs);
  return reached && satisfies(reached.acr, needed) ? reached : null;
}

/**
 * The sign-in's next step: pass at the level the proofs reach when it is the needed one or
 * above; else the password after a passkey, the second factor, enrolment, or unmet. A level
 * is never passed that the proofs did not reach, and a session is never made below the need.
 */
export async function decideSignIn(facts: SignInFacts): Promise<SignInDecision> {
  const { needed, proofs } = facts;
  const passed = passedWith(needed, proofs);
  if (passed) return { kind: 'pass', reached: passed };
  if (!proofs.some((p) => p.kind === 'password')) return { kind: 'ask_password' };

  const credentials = await facts.credentials();
  const secondFactorPassed = (reachedBy(proofs)?.secondFactorAt ?? null) !== null;
  if (needed === ACR_PHR) {
    if (credentials.phrPasskey) return { kind: 'ask', methods: ['webauthn'], thenAddPasskey: false };
    if (credentials.addedInThisSignIn !== null) return { kind: 'unmet', needed, heldUntil: credentials.addedInThisSignIn };
    if (credentials.heldUntil !== null) return { kind: 'unmet', needed, heldUntil: credentials.heldUntil };
    if (secondFactorPassed || credentials.methods.length === 0) return { kind: 'enrol', passkeyOnly: true };
    return { kind: 'ask', methods: credentials.methods, thenAddPasskey: true };
  }
  if (credentials.methods.length === 0) return { kind: 'enrol', passkeyOnly: false };
  return { kind: 'ask', methods: credentials.methods, thenAddPasskey: false };
}
