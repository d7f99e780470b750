import { type Credentials, decideSignIn, type Proof, passkeyStanding, requiredLevel, type SignInDecision } from '../assurance/index.ts';
import type { FactorPassed } from '../factors/methods.ts';
import { registeredIn } from '../factors/passkeys.ts';
import type { Factor } from '../model/factor.ts';
import { mfaPolicyOf } from '../oidc/client_metadata.ts';
import { type CurrentInteraction, expiredInteraction } from './current_interaction.ts';
import type { InteractionDeps } from './deps.ts';

/**
 * What a passed factor proves in the sign-in (interaction) `signInUid`, for the assurance
 * service. Whether a passkey was registered in this sign-in is read off the passkey itself (the
 * fingerprint of the binding it was registered in), never off state the sign-in could lose.
 */
export function proofOf(passed: FactorPassed, at: number, signInUid: string): Proof {
  if (passed.method !== 'webauthn') return { kind: 'code', method: passed.method, at };
  return {
    kind: 'passkey',
    at,
    amr: passed.amr,
    userVerified: passed.amr.includes('user'),
    // a passkey the caller could not name never proves phr
    phrFrom: passed.factorId ? (passed.phrFrom ?? 0) : Number.MAX_SAFE_INTEGER,
    addedInThisSignIn: passed.addedIn !== undefined && passed.addedIn === registeredIn(signInUid),
  };
}

/** What the person's factors are, when a page has read them already; recovery codes counted unless `countRecovery` is false. */
export interface FactorsRead {
  confirmed?: Factor[];
  countRecovery?: boolean;
}

/** What the person holds, read once the proofs fall short. */
export async function credentialsOf(
  deps: InteractionDeps,
  it: CurrentInteraction,
  accountId: string,
  { confirmed, countRecovery }: FactorsRead = {},
): Promise<Credentials> {
  const factors = confirmed ?? (await deps.secondFactors.confirmedFactors(accountId));
  return {
    methods: await deps.secondFactors.methodsFor(accountId, factors, { countRecovery }),
    ...passkeyStanding(factors, deps.clock.now(), registeredIn(it.uid)),
  };
}

/**
 * When the password was given: in this sign-in, or, for a step-up that asked only the second
 * factor, when the session's was (its auth_time), so max_age still asks for the password.
 */
async function passwordTime(deps: InteractionDeps, it: CurrentInteraction, given: number | null): Promise<number> {
  if (it.prompt !== 'second_factor') return given ?? deps.clock.now();
  const uid = it.details.session?.uid;
  const authTime = uid ? (await deps.provider.Session.findByUid(uid))?.authTime() : undefined;
  // the session ended meanwhile: the step-up has nothing left to step up
  if (authTime === undefined) throw expiredInteraction();
  return authTime * 1000;
}

/**
 * The assurance service's decision for the second-factor pages: this sign-in's proofs (the
 * password, factors passed so far, `passed` just now: a factor, or a remembered browser's proof), against what the client and request need.
 */
export async function decideStep(
  deps: InteractionDeps,
  it: CurrentInteraction,
  accountId: string,
  passed?: FactorPassed | Proof,
  read: FactorsRead = {},
): Promise<SignInDecision> {
  const pending = await deps.pendingSignIns.proofsOf(it);
  const now = deps.clock.now();
  const proofs: Proof[] = [{ kind: 'password', at: await passwordTime(deps, it, pending.passwordAt) }, ...pending.proofs];
  if (passed) proofs.push('kind' in passed ? passed : proofOf(passed, now, it.uid));
  return decideSignIn({
    // an adaptive client's second factor is owed when a signal fired at the password, or when it
    // steps up a session its risk check never saw (interaction_policy.ts)
    needed: requiredLevel(mfaPolicyOf(it.client), it.details.params, (pending.risk?.signals.length ?? 0) > 0 || it.prompt === 'second_factor'),
    proofs,
    credentials: () => credentialsOf(deps, it, accountId, read),
  });
}
