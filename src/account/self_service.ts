import type { RecordAudit, RequestInfo } from '../audit/audit.ts';
import { type MethodKind, methodKey, methodLabel } from '../factors/methods.ts';
import type { SecondFactors } from '../factors/registry.ts';
import type { Account } from '../model/account.ts';
import type { Alert, FactorUndoLinks } from '../notifications/alerts.ts';
import type { FactorStore, RecordStore } from '../store/ports.ts';
import { ACCOUNT_CLIENT_ID } from './account_client.ts';

export interface SelfServiceDeps {
  secondFactors: SecondFactors;
  records: RecordStore;
  factors: FactorStore;
  audit: RecordAudit;
  alert: Alert;
  /** the links the "factor added" alert carries to undo it */
  undoLinks: FactorUndoLinks;
}

export type RemoveOutcome = 'removed' | 'last' | 'unknown';

/** What a person changes on their own account: each change audited, each factor change emailed. */
export function createSelfService(deps: SelfServiceDeps) {
  const { secondFactors, audit, alert } = deps;
  const who = (account: Account, channel: string) => ({ accountId: account.id, email: account.email, clientId: ACCOUNT_CLIENT_ID, channel });

  return {
    /**
     * A factor was confirmed in the account area (and stored with any recovery codes it brought).
     * The alert carries a link that removes it: whoever holds a session is not always the owner.
     */
    async factorAdded(account: Account, method: MethodKind, factorId: string, recoveryCodes: string[], request: RequestInfo): Promise<void> {
      await audit(request, { ...who(account, method), type: 'enrolment', result: 'ok', detail: 'added in the account area' });
      const undo = await deps.undoLinks(account.id, factorId, recoveryCodes.length > 0);
      await alert(account, 'factor_added', { method: methodKey[method], ...undo });
    },

    async removeFactor(account: Account, factorId: string, request: RequestInfo): Promise<RemoveOutcome> {
      const outcome = await secondFactors.removeFactor(account.id, factorId);
      if (!outcome) return 'unknown';
      if ('refused' in outcome) {
        await audit(request, { ...who(account, 'account'), type: 'account_change', result: 'failed', detail: 'last second factor not removed' });
        return outcome.refused;
      }
      const method = methodLabel[outcome.removed.kind];
      await audit(request, { ...who(account, outcome.removed.kind), type: 'account_change', result: 'ok', detail: `second factor removed: ${method}` });
      await alert(account, 'factor_removed', { method: methodKey[outcome.removed.kind] });
      return 'removed';
    },

    /** Renames one of the account's passkeys; false when it has no such passkey. */
    async renamePasskey(account: Account, factorId: string, name: string, request: RequestInfo): Promise<boolean> {
      const factor = (await secondFactors.confirmedFactors(account.id)).find((f) => f.id === factorId && f.passkey);
      if (!factor || !(await deps.factors.renamePasskey(factor.id, name))) return false;
      await audit(request, { ...who(account, 'webauthn'), type: 'account_change', result: 'ok', detail: 'passkey renamed' });
      return true;
    },

    /** New recovery codes, shown once; the old ones stop working. */
    async replaceRecoveryCodes(account: Account, request: RequestInfo): Promise<string[]> {
      const codes = await secondFactors.regenerateRecoveryCodes(account.id);
      await audit(request, { ...who(account, 'recovery'), type: 'account_change', result: 'ok', detail: 'recovery codes replaced' });
      await alert(account, 'recovery_codes_replaced');
      return codes;
    },

    /** Ends every session, grant and refresh token of the person, the account area's included. */
    async signOutEverywhere(account: Account, request: RequestInfo): Promise<number> {
      const ended = await deps.records.revokeByAccountId(account.id);
      await audit(request, {
        ...who(account, 'account'),
        type: 'account_change',
        result: 'ok',
        detail: `signed out everywhere (${ended} sessions and tokens)`,
      });
      return ended;
    },
  };
}

export type SelfService = ReturnType<typeof createSelfService>;
