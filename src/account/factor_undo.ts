import type { RecordAudit, RequestInfo } from '../audit/audit.ts';
import type { Clock } from '../clock.ts';
import { methodKey, methodLabel } from '../factors/methods.ts';
import { type Phrase, phrase } from '../i18n/phrase.ts';
import type { Account } from '../model/account.ts';
import type { Factor } from '../model/factor.ts';
import type { Alert, FactorUndoLinks } from '../notifications/alerts.ts';
import { random } from '../random.ts';
import { keyedHash } from '../security/keyed_hash.ts';
import type { AccountStore, FactorStore, RecordStore, Store } from '../store/ports.ts';
import { ACCOUNT_CLIENT_ID } from './account_client.ts';

const undoKind = 'FactorUndo';
const tokenPattern = /^[A-Za-z0-9_-]{43}$/;
/** how long the link in a "factor added" alert works: long enough for an owner back from a trip */
export const undoTtlMs = 7 * 24 * 60 * 60_000;
export const factorUndoPath = '/account/undo-factor';

/** What a factor is called in pages, emails and the audit log: its method, and a passkey's own name. */
export const describeFactor = (factor: Factor) => (factor.passkey ? `${methodLabel[factor.kind]} "${factor.passkey.name}"` : methodLabel[factor.kind]);

/** The same for the person's pages, in their language: the method's name, and a passkey's own. */
export const factorPhrase = (factor: Factor): Phrase =>
  factor.passkey ? phrase('undo.passkey_named', { name: factor.passkey.name }) : phrase(methodKey[factor.kind]);

// the link's token is stored only as a keyed hash, like a password reset link's
const recordIdOf = (hashKey: Buffer, token: string) => keyedHash(hashKey, `factor-undo:${token}`);

export interface UndoLinkDeps {
  records: RecordStore;
  factors: FactorStore;
  hashKey: Buffer;
  clock: Clock;
  issuer: string;
}

/**
 * The links a "factor added" alert carries: one that removes exactly that factor, single use,
 * for 7 days, and the password reset page. Issuing needs only storage, so the plugin's pages
 * are given it before the services that redeem it exist.
 */
export function createFactorUndoLinks(deps: UndoLinkDeps): FactorUndoLinks {
  return async (accountId, factorId, recoveryCodesIssued): Promise<Record<string, string>> => {
    const factor = await deps.factors.find(factorId);
    if (!factor || factor.accountId !== accountId) return {};
    const token = random.id(32);
    // not indexed by account: ending the account's sessions (a password change by whoever added
    // the factor, say) must not end the owner's way to remove it
    await deps.records.upsert(undoKind, recordIdOf(deps.hashKey, token), { accountId, factorId, recoveryCodesIssued }, deps.clock.now() + undoTtlMs);
    return {
      // the method's catalog key and a passkey's name: the alert words them in the owner's language
      method: methodKey[factor.kind],
      ...(factor.passkey ? { passkeyName: factor.passkey.name } : {}),
      undoLink: `${deps.issuer}${factorUndoPath}?token=${token}`,
      undoDays: String(Math.round(undoTtlMs / 86_400_000)),
      resetLink: `${deps.issuer}/password-reset`,
    };
  };
}

export interface FactorUndoDeps {
  accounts: AccountStore;
  factors: FactorStore;
  records: RecordStore;
  transaction: Store['transaction'];
  audit: RecordAudit;
  alert: Alert;
  hashKey: Buffer;
  clock: Clock;
}

export type UndoOutcome = { kind: 'done'; factor: string; shown: Phrase; wasLast: boolean } | { kind: 'invalid' };

/** Redeeming the link of a "factor added" alert: its owner says it was not them. Knows nothing of HTTP. */
export function createFactorUndo(deps: FactorUndoDeps) {
  const { records, clock, audit } = deps;
  const recordId = (token: string) => recordIdOf(deps.hashKey, token);
  const who = (account: Account, factor: Factor) => ({ accountId: account.id, email: account.email, clientId: ACCOUNT_CLIENT_ID, channel: factor.kind });

  /** The account and factor of a live, unused link whose factor is still there; or null. */
  async function findUndo(token: string) {
    if (!tokenPattern.test(token)) return null;
    const record = await records.find(undoKind, recordId(token));
    if (!record || record.consumedAt !== null) return null;
    const [account, factor] = await Promise.all([deps.accounts.findById(String(record.payload.accountId)), deps.factors.find(String(record.payload.factorId))]);
    if (!account || !factor || factor.accountId !== account.id || factor.confirmedAt === null) return null;
    return { account, factor, description: describeFactor(factor), recoveryCodesIssued: record.payload.recoveryCodesIssued === true };
  }

  /** Removes the factor in one transaction; its recovery codes too when they may have been shown to whoever added it. */
  function removeFactor(found: NonNullable<Awaited<ReturnType<typeof findUndo>>>) {
    const { account } = found;
    return deps.transaction(account.id, async (tx) => {
      const confirmed = (await tx.factors.listForAccount(account.id)).filter((f) => f.confirmedAt !== null);
      const factor = confirmed.find((f) => f.id === found.factor.id);
      if (!factor) return null;
      // Unlike the account area, the last factor goes too: its owner says it is not theirs.
      // The account then has none, and its next sign-in enrols a factor again, as after an admin
      // reset. The codes shown with a first factor, or with one that brought new codes, go with it.
      await tx.factors.remove(factor.id);
      const wasLast = confirmed.length === 1;
      if (wasLast || found.recoveryCodesIssued) await tx.recoveryCodes.replace(account.id, [], clock.now());
      return { factor, wasLast };
    });
  }

  return {
    /** For the confirmation page: opening the link changes nothing (mail scanners follow links). */
    findUndo,

    /**
     * Spends the link and removes exactly its factor, then ends every session, grant and refresh
     * token of the account, audited, and the owner told. A link expired, used, unknown or whose
     * factor is gone changes nothing.
     */
    async redeem(token: string, request: RequestInfo): Promise<UndoOutcome> {
      const found = await findUndo(token);
      if (!found || !(await records.consume(undoKind, recordId(token), clock.now()))) {
        await audit(request, { type: 'account_change', result: 'failed', detail: 'factor undo link expired, used or unknown' });
        return { kind: 'invalid' };
      }
      const removed = await removeFactor(found);
      if (!removed) return { kind: 'invalid' };
      const { account, description } = found;
      const ended = await records.revokeByAccountId(account.id);
      await audit(request, {
        ...who(account, removed.factor),
        type: 'account_change',
        result: 'ok',
        detail: `second factor removed from the alert link: ${description}; ${ended} sessions and tokens ended`,
      });
      await deps.alert(account, 'factor_removed', { method: methodKey[removed.factor.kind], passkeyName: removed.factor.passkey?.name ?? null });
      return { kind: 'done', factor: description, shown: factorPhrase(found.factor), wasLast: removed.wasLast };
    },
  };
}

export type FactorUndo = ReturnType<typeof createFactorUndo>;
