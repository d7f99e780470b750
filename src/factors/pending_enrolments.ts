import type { Clock } from '../clock.ts';
import type { FactorKind } from '../model/factor.ts';
import type { RecordStore } from '../store/ports.ts';

const recordKind = 'PendingEnrolment';

/** A factor being proven: its future id, and the TOTP secret (encrypted) or the address a code went to. */
export interface PendingEnrolment {
  factorId: string;
  kind: FactorKind;
  secretCiphertext: string | null;
  target: string | null;
}

/**
 * A factor being enrolled belongs to one binding attempt — one sign-in interaction, or one
 * account-area session — never to the account: no other browser can see or confirm it, and
 * it dies with the attempt (it lives at most as long as an interaction). It is stored by
 * account too, so a password reset, "sign out everywhere" or an admin's reset ends it.
 */
export function createPendingEnrolments(records: RecordStore, clock: Clock, lifetimeMs: number) {
  const idOf = (binding: string, kind: FactorKind) => `${binding}:${kind}`;

  return {
    async save(binding: string, accountId: string, enrolment: PendingEnrolment) {
      await records.upsert(recordKind, idOf(binding, enrolment.kind), { accountId, ...enrolment }, clock.now() + lifetimeMs, { accountId });
    },

    async find(binding: string, accountId: string, kind: FactorKind): Promise<PendingEnrolment | null> {
      const record = await records.find(recordKind, idOf(binding, kind));
      if (!record || record.consumedAt !== null || record.payload.accountId !== accountId) return null;
      const { factorId, secretCiphertext, target } = record.payload as unknown as PendingEnrolment;
      return { factorId, kind, secretCiphertext, target };
    },

    /** Ends the enrolment; true only for the one call that found it live, so a factor is added once. */
    async finish(binding: string, kind: FactorKind): Promise<boolean> {
      const finished = await records.consume(recordKind, idOf(binding, kind), clock.now());
      if (finished) await records.destroy(recordKind, idOf(binding, kind));
      return finished;
    },
  };
}

export type PendingEnrolments = ReturnType<typeof createPendingEnrolments>;
