import QRCode from 'qrcode';
import type { Clock } from '../clock.ts';
import type { Factor } from '../model/factor.ts';
import { accountLabel, type Person } from '../person.ts';
import { random } from '../random.ts';
import type { Cipher } from '../security/cipher.ts';
import { keyedHash } from '../security/keyed_hash.ts';
import type { FactorStore, RecoveryCodeStore, Store } from '../store/ports.ts';
import type { MethodKind } from './methods.ts';
import type { PendingEnrolment, PendingEnrolments } from './pending_enrolments.ts';
import { newRecoveryCode, normalizeRecoveryCode } from './recovery_codes.ts';
import { replaceFactorsOfKind } from './replace_factors_of_kind.ts';
import type { Totp } from './totp.ts';

export interface SecondFactorDeps {
  factors: FactorStore;
  recoveryCodes: RecoveryCodeStore;
  /** for the changes two requests at once must not interleave */
  transaction: Store['transaction'];
  enrolments: PendingEnrolments;
  totp: Totp;
  cipher: Cipher;
  clock: Clock;
  issuerName: string;
  recoveryCodeCount: number;
}

export interface TotpEnrolment {
  secret: string;
  uri: string;
  qrDataUrl: string;
}

/** Enrolment and verification of second factors; knows nothing of HTTP. */
export function createSecondFactors(deps: SecondFactorDeps) {
  const { factors, recoveryCodes, totp, cipher, clock, transaction } = deps;
  const pendingSecret = (pending: PendingEnrolment) => {
    if (!pending.secretCiphertext) throw new Error(`the pending TOTP enrolment ${pending.factorId} has no secret`);
    return cipher.decrypt(pending.secretCiphertext);
  };
  const hashCode = (code: string) => keyedHash(cipher.hashKey, `recovery:${normalizeRecoveryCode(code)}`);

  async function confirmedFactors(accountId: string, from: FactorStore = factors) {
    return (await from.listForAccount(accountId)).filter((f) => f.confirmedAt !== null);
  }

  /** New codes in place of all the account's codes, through a transaction's ports. */
  async function replaceRecoveryCodes(tx: { recoveryCodes: RecoveryCodeStore }, accountId: string): Promise<string[]> {
    const codes = Array.from({ length: deps.recoveryCodeCount }, newRecoveryCode);
    await tx.recoveryCodes.replace(accountId, codes.map(hashCode), clock.now());
    return codes;
  }

  function addFactor(factor: Factor): Promise<string[]> {
    const { accountId } = factor;
    return transaction(accountId, async (tx) => {
      if (factor.kind === 'email' || factor.kind === 'sms') await replaceFactorsOfKind(tx, accountId, factor.kind, factor);
      else await tx.factors.add(factor);
      return (await tx.recoveryCodes.countUnused(accountId)) > 0 ? [] : replaceRecoveryCodes(tx, accountId);
    });
  }

  /** Checks a code against a TOTP factor and burns its time step. */
  async function checkTotp(factor: Factor, code: string): Promise<boolean> {
    if (factor.kind !== 'totp' || !factor.secretCiphertext) return false;
    const step = await totp.match(cipher.decrypt(factor.secretCiphertext), code, factor.lastTimeStep);
    // the conditional update refuses a step already used, even by a concurrent request
    return step !== null && (await factors.acceptTimeStep(factor.id, step));
  }

  return {
    confirmedFactors,

    /**
     * Methods the person can use now; empty means enrolment comes first. The caller may pass
     * the confirmed factors it has already read.
     */
    async methodsFor(accountId: string, confirmed?: Factor[], { countRecovery = true } = {}): Promise<MethodKind[]> {
      // the strongest first: a passkey, when the account has one
      const factorKinds = (confirmed ?? (await confirmedFactors(accountId))).map((f) => f.kind);
      const kinds = new Set<MethodKind>(factorKinds.includes('webauthn') ? ['webauthn', ...factorKinds] : factorKinds);
      // recovery codes are counted only when asked: a code check of another method need not know
      if (countRecovery && kinds.size > 0 && (await recoveryCodes.countUnused(accountId)) > 0) kinds.add('recovery');
      return [...kinds];
    },

    /**
     * The authenticator app being enrolled in this binding attempt (an interaction or an
     * account-area session): a new secret the first time, the same one after a wrong code.
     */
    async totpEnrolment(binding: string, account: Person): Promise<TotpEnrolment> {
      let pending = await deps.enrolments.find(binding, account.id, 'totp');
      if (!pending) {
        pending = { factorId: random.id(), kind: 'totp', secretCiphertext: cipher.encrypt(totp.newSecret()), target: null };
        await deps.enrolments.save(binding, account.id, pending);
      }
      const secret = pendingSecret(pending);
      const uri = totp.uri(deps.issuerName, accountLabel(account), secret);
      return { secret, uri, qrDataUrl: await QRCode.toDataURL(uri, { margin: 1, width: 220 }) };
    },

    /**
     * Adds a confirmed factor, and the account's first recovery codes when it has none left, in
     * one transaction: a crash or an outage never leaves a factor without its codes, and of two
     * enrolments at once only one issues codes. An email or SMS factor replaces the earlier one
     * of its kind. Returns the codes to show once, or none.
     */
    addFactor,

    /**
     * One code from the app confirms the enrolment of this binding attempt and adds the
     * factor, its time step already spent: the new factor's id and the recovery codes to show
     * (see addFactor), or null for a wrong code or no such enrolment.
     */
    async confirmTotpEnrolment(binding: string, accountId: string, code: string): Promise<{ factorId: string; recoveryCodes: string[] } | null> {
      const pending = await deps.enrolments.find(binding, accountId, 'totp');
      if (!pending) return null;
      const step = await totp.match(pendingSecret(pending), code, null);
      if (step === null || !(await deps.enrolments.finish(binding, 'totp'))) return null;
      const recoveryCodes = await addFactor({
        id: pending.factorId,
        accountId,
        kind: 'totp',
        secretCiphertext: pending.secretCiphertext,
        target: null,
        confirmedAt: clock.now(),
        lastTimeStep: step,
        createdAt: clock.now(),
      });
      return { factorId: pending.factorId, recoveryCodes };
    },

    /** The codes shown are the ones that work, even when two replacements run at once. */
    regenerateRecoveryCodes(accountId: string): Promise<string[]> {
      return transaction(accountId, (tx) => replaceRecoveryCodes(tx, accountId));
    },

    /**
     * true when one of the account's confirmed authenticators (as just read by the caller)
     * accepts the code. A time step used since that read is still refused, by the store.
     */
    async verifyTotp(confirmed: Factor[], code: string): Promise<boolean> {
      for (const factor of confirmed) {
        if (factor.kind === 'totp' && (await checkTotp(factor, code))) return true;
      }
      return false;
    },

    recoveryCodesLeft: (accountId: string) => recoveryCodes.countUnused(accountId),

    /**
     * Removes one confirmed factor of the account, but never the last one: Stepup asks every
     * sign-in to its own account area for a second factor. Null when there is no such factor.
     * One transaction reads and deletes, so two removals at once cannot both see the other
     * factor and leave none.
     */
    removeFactor(accountId: string, factorId: string): Promise<{ removed: Factor } | { refused: 'last' } | null> {
      return transaction(accountId, async (tx) => {
        const confirmed = await confirmedFactors(accountId, tx.factors);
        const factor = confirmed.find((f) => f.id === factorId);
        if (!factor) return null;
        if (confirmed.length === 1) return { refused: 'last' as const };
        await tx.factors.remove(factor.id);
        return { removed: factor };
      });
    },

    /** Spends one recovery code; true when it was valid and unused. */
    async useRecoveryCode(accountId: string, code: string): Promise<boolean> {
      if (normalizeRecoveryCode(code).length !== 10) return false;
      return recoveryCodes.consume(accountId, hashCode(code), clock.now());
    },
  };
}

export type SecondFactors = ReturnType<typeof createSecondFactors>;
