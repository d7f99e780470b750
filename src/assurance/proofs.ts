import { amrOf, type CodeMethod } from '../factors/methods.ts';
import { ACR_1FA, ACR_2FA, ACR_PHR, type Acr } from './levels.ts';

/**
 * One thing a sign-in proved, and when (epoch milliseconds). A passkey proof is an assertion,
 * never a registration: registering a credential proves nothing.
 */
export type Proof =
  | { kind: 'password'; at: number }
  /** a code typed from a factor (an enrolment's confirming code is that factor's first use) */
  | { kind: 'code'; method: CodeMethod; at: number }
  | {
      kind: 'passkey';
      at: number;
      /** RFC 8176 values of this assertion (hwk or swk, user) */
      amr: string[];
      userVerified: boolean;
      /** when this passkey starts to prove phr (its hold after being added from a 2fa session) */
      phrFrom: number;
      /** registered in this very sign-in: it then proves at most 2fa */
      addedInThisSignIn: boolean;
    }
  /**
   * A remembered browser's key signed this sign-in's challenge (proof of possession, `pop`). It
   * stands in for the second factor, but its time is `factorAt`: the real factor that made the key.
   */
  | { kind: 'remembered'; at: number; factorAt: number };

/** What a set of proofs is worth: the level, the amr claim, auth_time and the second factor's time. */
export interface Reached {
  acr: Acr;
  amr: string[];
  /** the primary authentication's time (the password's, else the passkey's): auth_time */
  authTime: number;
  /** when the second factor was passed (what mfa_max_age measures); null below 2fa */
  secondFactorAt: number | null;
}

/** RFC 8176 values a proof other than the password adds: a remembered browser's is `pop`, never the factor nobody used. */
const amrValuesOf = (proof: Exclude<Proof, { kind: 'password' }>): string[] =>
  proof.kind === 'code' ? [amrOf[proof.method]] : proof.kind === 'remembered' ? ['pop'] : proof.amr;

/** When a proof's real second factor was passed: a remembered browser's is the factor that made its key. */
const factorTime = (proof: Exclude<Proof, { kind: 'password' }>) => (proof.kind === 'remembered' ? proof.factorAt : proof.at);

const provesPhr = (proof: Extract<Proof, { kind: 'passkey' }>) => !proof.addedInThisSignIn && proof.phrFrom <= proof.at;

/**
 * The level proofs reach. A password alone, or a passkey that did not verify the user, is 1fa;
 * a password and another factor, or a user-verified passkey, 2fa; a password and the assertion
 * of a passkey that proves phr (not added in this sign-in, its hold over), phr; a password and
 * a remembered browser's signature, 2fa (`pwd pop mfa`), never phr. Null when nothing was proved.
 */
export function reachedBy(proofs: Proof[]): Reached | null {
  const password = proofs.find((p) => p.kind === 'password');
  const passkeys = proofs.filter((p) => p.kind === 'passkey');
  const others = proofs.filter((p) => p.kind !== 'password');
  const primary = password ?? passkeys[0];
  if (!primary) return null;

  let acr: Acr = ACR_1FA;
  if (password && others.length > 0) acr = passkeys.some(provesPhr) ? ACR_PHR : ACR_2FA;
  else if (passkeys.some((p) => p.userVerified)) acr = ACR_2FA;

  const amr = new Set<string>(password ? ['pwd'] : []);
  for (const proof of others) for (const value of amrValuesOf(proof)) amr.add(value);
  if (acr !== ACR_1FA) amr.add('mfa');
  const secondFactorAt = acr === ACR_1FA ? null : Math.max(...others.map(factorTime));
  return { acr, amr: [...amr], authTime: primary.at, secondFactorAt };
}
