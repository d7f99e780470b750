import type { RecordStore } from '../store/ports.ts';

const kind = 'PendingSignIn';

/**
 * The password was right but the second factor is still owed. Kept beside the interaction,
 * never in the session: no session exists until both factors are passed.
 */
export function createPendingSignIns(records: RecordStore) {
  return {
    async start(interactionUid: string, accountId: string, expiresAt: number) {
      await records.upsert(kind, interactionUid, { accountId }, expiresAt);
    },
    async accountIdFor(interactionUid: string): Promise<string | null> {
      const record = await records.find(kind, interactionUid);
      return record ? String(record.payload.accountId) : null;
    },
    async end(interactionUid: string) {
      await records.destroy(kind, interactionUid);
    },
  };
}

export type PendingSignIns = ReturnType<typeof createPendingSignIns>;
