import type { Proof } from '../assurance/index.ts';
import type { Clock } from '../clock.ts';
import type { RiskAssessment } from '../risk/adaptive_step_up.ts';
import type { RecordStore } from '../store/ports.ts';

/** The records' kind: the record's id is its interaction's uid. */
export const pendingSignInKind = 'PendingSignIn';
const kind = pendingSignInKind;

/** One request's step: what it read of its pending sign-in is kept on it, as the step itself is. */
interface Step {
  uid: string;
}

/**
 * What a sign-in has proved so far, for the assurance service: the password (`accountId`,
 * `passwordAt`), second factors passed before a passkey is added, and a passwordless passkey
 * that was not enough (the password owed). (A passkey registered in it is known by the passkey.) Kept beside the
 * interaction in one record, never in the session: no session exists until the sign-in passes.
 * Found by account, so a password change or "sign out everywhere" ends it too.
 */
interface Pending {
  accountId: string | null;
  passwordAt: number | null;
  passed: Proof[];
  passkey: { accountId: string; proof: Proof } | null;
  /** an adaptive client's risk signals that fired at the password: the second factor is owed */
  risk: RiskAssessment | null;
}

const none: Pending = { accountId: null, passwordAt: null, passed: [], passkey: null, risk: null };

export function createPendingSignIns(records: RecordStore, clock: Clock, lifetimeMs: number) {
  // read once per request: every page of a sign-in asks what is owed, some twice
  const read = new WeakMap<Step, Promise<Pending | null>>();

  const current = (step: Step) => {
    let pending = read.get(step);
    if (!pending) {
      pending = records.find(kind, step.uid).then((record) => (record ? { ...none, ...(record.payload as Partial<Pending>) } : null));
      read.set(step, pending);
    }
    return pending;
  };

  /** Lives as long as an interaction may, on the same clock as every other expiry. */
  async function save(step: Step, pending: Pending) {
    const accountId = pending.accountId ?? pending.passkey?.accountId;
    if (accountId === undefined) throw new Error('a pending sign-in must name its account');
    await records.upsert(kind, step.uid, pending as unknown as Record<string, unknown>, clock.now() + lifetimeMs, { accountId });
    read.set(step, Promise.resolve(pending));
  }

  const update = async (step: Step, change: Partial<Pending>) => save(step, { ...((await current(step)) ?? none), ...change });

  return {
    /**
     * The password of `accountId` was right at `passwordAt`; more is owed. A passkey passed in
     * this sign-in is kept only when it is the same account's, so the record names one account.
     */
    async start(step: Step, accountId: string, passwordAt: number, risk: RiskAssessment | null = null) {
      const passkey = (await current(step))?.passkey ?? null;
      await save(step, { ...none, accountId, passwordAt, passkey: passkey?.accountId === accountId ? passkey : null, risk });
    },
    /**
     * A second factor of `accountId` passed, and more (a passkey to add) is owed. In a step-up
     * there is no record yet: the password was the session's.
     */
    async factorPassed(step: Step, accountId: string, proof: Proof) {
      await update(step, { accountId, passed: [...((await current(step))?.passed ?? []), proof] });
    },
    hasPassedFactor: async (step: Step): Promise<boolean> => ((await current(step))?.passed.length ?? 0) > 0,
    accountIdFor: async (step: Step): Promise<string | null> => (await current(step))?.accountId ?? null,
    /** What this sign-in proved besides a step-up's session (the password's time and factors), and the risk it fired. */
    async proofsOf(step: Step) {
      const pending = (await current(step)) ?? none;
      const passkey = pending.passkey && pending.passkey.accountId === pending.accountId ? [pending.passkey.proof] : [];
      return { passwordAt: pending.passwordAt, proofs: [...passkey, ...pending.passed], risk: pending.risk };
    },
    /**
     * A passwordless passkey reached less than this sign-in needs: the password is owed to
     * complete it. It takes the place of a second factor owed by another account.
     */
    async passkeyPassed(step: Step, accountId: string, proof: Proof) {
      const owed = await current(step);
      const same = owed?.accountId === accountId;
      await save(step, same ? { ...owed, passkey: { accountId, proof } } : { ...none, passkey: { accountId, proof } });
    },
    async passkeyFor(step: Step): Promise<{ accountId: string; proof: Proof } | null> {
      return (await current(step))?.passkey ?? null;
    },
    async end(step: Step) {
      // nothing to end when this request found none
      const known = read.get(step);
      if (known && (await known) === null) return;
      await records.destroy(kind, step.uid);
      read.set(step, Promise.resolve(null));
    },
  };
}

export type PendingSignIns = ReturnType<typeof createPendingSignIns>;
