import type { Clock } from '../clock.ts';
import type { FactorPassed } from '../otp/methods.ts';
import type { RecordStore } from '../store/ports.ts';

const kind = 'PendingSignIn';

/** One request's step: what it read of its pending sign-in is kept on it, as the step itself is. */
interface Step {
  uid: string;
}

/**
 * What a sign-in has passed so far: the password, with the second factor still owed
 * (`accountId`); or a passwordless passkey that was not enough, with the password owed
 * (`passkey`). Kept beside the interaction in one record, never in the session: no session
 * exists until every factor is passed. Found by account, so a password change or "sign out
 * everywhere" ends it too.
 */
interface Pending {
  accountId: string | null;
  /** an existing second factor was passed, and a passkey is being added */
  factorPassed: boolean;
  passkey: { accountId: string; amr: string[] } | null;
}

export function createPendingSignIns(records: RecordStore, clock: Clock, lifetimeMs: number) {
  // read once per request: every page of a sign-in asks what is owed, some twice
  const read = new WeakMap<Step, Promise<Pending | null>>();

  const current = (step: Step) => {
    let pending = read.get(step);
    if (!pending) {
      pending = records.find(kind, step.uid).then((record) => (record ? (record.payload as unknown as Pending) : null));
      read.set(step, pending);
    }
    return pending;
  };

  /** Lives as long as an interaction may, on the same clock as every other expiry. */
  async function save(step: Step, pending: Pending) {
    const accountId = pending.accountId ?? pending.passkey!.accountId;
    await records.upsert(kind, step.uid, pending as unknown as Record<string, unknown>, clock.now() + lifetimeMs, { accountId });
    read.set(step, Promise.resolve(pending));
  }

  return {
    /**
     * The password of `accountId` was right; its second factor is owed. `factorPassed`: an
     * existing second factor was passed, and a passkey is being added. A passkey passed in
     * this sign-in is kept only when it is the same account's, so the record names one account.
     */
    async start(step: Step, accountId: string, factorPassed = false) {
      const passkey = (await current(step))?.passkey ?? null;
      await save(step, { accountId, factorPassed, passkey: passkey?.accountId === accountId ? passkey : null });
    },
    factorPassed: async (step: Step): Promise<boolean> => (await current(step))?.factorPassed === true,
    accountIdFor: async (step: Step): Promise<string | null> => (await current(step))?.accountId ?? null,
    /**
     * A passwordless passkey reached less than this sign-in needs: the password is owed to
     * complete it. It takes the place of a second factor owed by another account.
     */
    async passkeyPassed(step: Step, accountId: string, passed: FactorPassed) {
      const owed = await current(step);
      const sameAccount = owed?.accountId === accountId;
      await save(step, { accountId: sameAccount ? accountId : null, factorPassed: sameAccount && owed.factorPassed, passkey: { accountId, amr: passed.amr } });
    },
    async passkeyFor(step: Step): Promise<{ accountId: string; passed: FactorPassed } | null> {
      const passkey = (await current(step))?.passkey;
      return passkey ? { accountId: passkey.accountId, passed: { method: 'webauthn', amr: passkey.amr.map(String) } } : null;
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
