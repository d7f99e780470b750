import type { Clock } from '../clock.ts';
import { random } from '../random.ts';
import type { RecordStore } from '../store/ports.ts';

const kind = 'AccountSession';

export interface AccountSession {
  id: string;
  accountId: string;
  /** when the person last passed their second factor */
  verifiedAt: number;
}

/**
 * A sign-in to the account area. Stored by account id, so "sign out everywhere" and an
 * admin's revoke end it together with every other session of the person.
 */
export function createAccountSessions(records: RecordStore, clock: Clock, lifetimeMs: number) {
  return {
    async start(accountId: string, verifiedAt: number): Promise<AccountSession> {
      const session = { id: random.id(), accountId, verifiedAt };
      await records.upsert(kind, session.id, { accountId, verifiedAt }, clock.now() + lifetimeMs, { accountId });
      return session;
    },
    async find(id: string): Promise<AccountSession | null> {
      const record = await records.find(kind, id);
      if (!record) return null;
      return { id, accountId: String(record.payload.accountId), verifiedAt: Number(record.payload.verifiedAt) };
    },
    async end(id: string) {
      await records.destroy(kind, id);
    },
  };
}

export type AccountSessions = ReturnType<typeof createAccountSessions>;
