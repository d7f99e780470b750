import { ACR_2FA } from '../assurance/index.ts';
import type { Clock } from '../clock.ts';
import { random } from '../random.ts';
import type { RecordStore } from '../store/ports.ts';

export interface AccountSession {
  id: string;
  accountId: string;
  /** when the person last passed their second factor */
  verifiedAt: number;
  /** the level the sign-in reached (acr): phr when that factor was a passkey that proves it */
  acr: string;
  /** the Stepup session it came from */
  stepupSessionUid: string;
}

/** Stepup's own sign-in sessions (oidc-provider's), looked up by their uid. */
export interface StepupSessions {
  findByUid(uid: string): Promise<{ accountId?: string } | undefined>;
}

/**
 * A sign-in to the account area. Stored by account id, so "sign out everywhere" and an
 * admin's revoke end it together with every other session of the person. It lives only as
 * long as the Stepup session it came from: signing out of Stepup (RP-initiated logout, or
 * another person signing in on that browser) ends it too.
 */
export function createAccountSessions(records: RecordStore, clock: Clock, lifetimeMs: number, stepupSessions: StepupSessions, kind = 'AccountSession') {
  const save = ({ id, accountId, verifiedAt, acr, stepupSessionUid }: AccountSession) =>
    records.upsert(kind, id, { accountId, verifiedAt, acr, stepupSessionUid }, clock.now() + lifetimeMs, { accountId });
  return {
    async start(accountId: string, verifiedAt: number, acr: string, stepupSessionUid: string): Promise<AccountSession> {
      const session = { id: random.id(), accountId, verifiedAt, acr, stepupSessionUid };
      await save(session);
      return session;
    },
    /** Another full lifetime from now: the lifetime is then an idle timeout (the admin console's). */
    touch: (session: AccountSession) => save(session),
    async find(id: string): Promise<AccountSession | null> {
      const record = await records.find(kind, id);
      if (!record) return null;
      const accountId = String(record.payload.accountId);
      const stepupSessionUid = String(record.payload.stepupSessionUid);
      const stepupSession = typeof record.payload.stepupSessionUid === 'string' ? await stepupSessions.findByUid(stepupSessionUid) : undefined;
      if (stepupSession?.accountId !== accountId) {
        await records.destroy(kind, id);
        return null;
      }
      // sessions from before levels were kept: 2fa, the least a sign-in to them needed
      const acr = typeof record.payload.acr === 'string' ? record.payload.acr : ACR_2FA;
      return { id, accountId, verifiedAt: Number(record.payload.verifiedAt), acr, stepupSessionUid };
    },
    async end(id: string) {
      await records.destroy(kind, id);
    },
  };
}

export type AccountSessions = ReturnType<typeof createAccountSessions>;
