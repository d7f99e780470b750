import type { Clock } from '../clock.ts';
import type { FactorPassed } from '../otp/methods.ts';
import type { RecordStore } from '../store/ports.ts';

const kind = 'PendingSignIn';
const passkeyKind = 'PasskeySignIn';

/**
 * The password was right but the second factor is still owed. Kept beside the interaction,
 * never in the session: no session exists until both factors are passed. Found by account,
 * so a password change or "sign out everywhere" ends it too.
 */
export function createPendingSignIns(records: RecordStore, clock: Clock, lifetimeMs: number) {
  return {
    /**
     * Lives as long as an interaction may, on the same clock as every other expiry.
     * `factorPassed`: an existing second factor was passed, and a passkey is being added.
     */
    async start(interactionUid: string, accountId: string, factorPassed = false) {
      await records.upsert(kind, interactionUid, { accountId, factorPassed }, clock.now() + lifetimeMs, { accountId });
    },
    async factorPassed(interactionUid: string): Promise<boolean> {
      return (await records.find(kind, interactionUid))?.payload.factorPassed === true;
    },
    async accountIdFor(interactionUid: string): Promise<string | null> {
      const record = await records.find(kind, interactionUid);
      return record ? String(record.payload.accountId) : null;
    },
    /** A passwordless passkey reached less than this sign-in needs: the password is owed to complete it. */
    async passkeyPassed(interactionUid: string, accountId: string, passed: FactorPassed) {
      await records.upsert(passkeyKind, interactionUid, { accountId, amr: passed.amr }, clock.now() + lifetimeMs, { accountId });
    },
    async passkeyFor(interactionUid: string): Promise<{ accountId: string; passed: FactorPassed } | null> {
      const record = await records.find(passkeyKind, interactionUid);
      if (!record) return null;
      return { accountId: String(record.payload.accountId), passed: { method: 'webauthn', amr: (record.payload.amr as unknown[]).map(String) } };
    },
    async end(interactionUid: string) {
      await records.destroy(kind, interactionUid);
      await records.destroy(passkeyKind, interactionUid);
    },
  };
}

export type PendingSignIns = ReturnType<typeof createPendingSignIns>;
