import type { RecordAudit, RequestInfo } from '../audit/audit.ts';
import { auditCodeSent } from '../audit/code_sent.ts';
import type { Language } from '../i18n/languages.ts';
import type { Channel, Factor, SendOutcome } from '../model/factor.ts';
import type { Alert } from '../notifications/alerts.ts';
import type { Person } from '../person.ts';
import type { Lockout } from '../security/lockout.ts';
import type { Approval, CheckOutcome, DeliveredCodes } from './delivered_codes.ts';
import type { FactorPassed, MethodKind } from './methods.ts';
import type { PasskeyRefusal, Passkeys } from './passkeys.ts';
import type { SecondFactors } from './registry.ts';

export type CodeCheck = { kind: 'ok' } | { kind: 'refused'; reason: Exclude<CheckOutcome, 'ok'> } | { kind: 'locked'; until: number };

export type CodeSend = SendOutcome | { kind: 'locked'; until: number };

export type PasskeyCheck = { kind: 'ok'; passed: FactorPassed } | { kind: 'refused'; reason: PasskeyRefusal } | { kind: 'locked'; until: number };

/** What the audit log says of a refused passkey. */
export const refusalDetail: Record<PasskeyRefusal, string> = {
  no_challenge: 'no live challenge (used already, or expired)',
  invalid: 'assertion not valid',
  unknown_credential: 'unknown credential',
  other_account: "another account's credential",
  counter: 'signature counter did not go up: a replay, or a cloned authenticator',
  registered: 'credential registered already',
};

/** Who is signing in, where from and to which application: what the audit log keeps of a step. */
export interface StepRequest {
  person: Person;
  request: RequestInfo;
  clientId: string;
  /** the transaction this step approves, if any: an email or SMS code is bound to it */
  approval?: Approval;
  /** the sign-in's language: codes and alerts use it when the person saved none */
  language?: Language;
}

type AuditWho = { accountId: string; email: string | null; clientId: string; channel: string };

interface StepDeps {
  secondFactors: SecondFactors;
  deliveredCodes: DeliveredCodes;
  passkeys: Passkeys;
  lockout: Lockout;
  audit: RecordAudit;
  alert: Alert;
}

/**
 * The second factor of a sign-in as a service: a code checked under the lockout, a code sent,
 * each audited and alerted. It answers outcomes; the pages decide what the person sees.
 */
export function createSecondFactorStep(deps: StepDeps) {
  const isChannel = (method: MethodKind): method is Channel => method === 'email' || method === 'sms';

  async function codeOutcome(personId: string, method: MethodKind, code: string, confirmed: Factor[], approval?: Approval): Promise<CheckOutcome> {
    if (isChannel(method)) return deps.deliveredCodes.checkSignInCode(personId, method, code, approval);
    if (method === 'recovery') return (await deps.secondFactors.useRecoveryCode(personId, code)) ? 'ok' : 'wrong';
    return (await deps.secondFactors.verifyTotp(confirmed, code.trim())) ? 'ok' : 'wrong';
  }

  /** A failure counted under the lockout, audited; answers when the person is now locked out. */
  async function failed(person: Person, request: RequestInfo, who: AuditWho, detail: string, language?: Language): Promise<number | null> {
    await deps.audit(request, { ...who, type: 'code_failed', result: 'failed', detail });
    const lockedUntil = await deps.lockout.failed(person.id, 'second_factor');
    if (lockedUntil) {
      await deps.audit(request, { ...who, type: 'lockout', result: 'ok', detail: 'second factor failures' });
      await deps.alert(person, 'lockout', { until: lockedUntil }, language);
    }
    return lockedUntil;
  }

  return {
    /**
     * Checks a passkey's assertion against the challenge of this sign-in (`binding`), under the
     * same lockout as codes. A counter that did not go up is audited as a possible clone.
     */
    async checkPasskey({ person, request, clientId, language }: StepRequest, binding: string, credential: string): Promise<PasskeyCheck> {
      const gate = await deps.lockout.attempt(person.id, 'second_factor');
      if (!gate.allowed) return { kind: 'locked', until: gate.lockedUntil };
      const outcome = await deps.passkeys.verifyAssertion(binding, person.id, credential);
      const who = { accountId: person.id, email: person.email ?? null, clientId, channel: 'webauthn' };
      if (outcome.kind === 'refused') {
        const lockedUntil = await failed(person, request, who, refusalDetail[outcome.reason], language);
        return lockedUntil ? { kind: 'locked', until: lockedUntil } : outcome;
      }
      await deps.audit(request, { ...who, type: 'code_ok', result: 'ok', detail: outcome.passed.amr.join(' ') });
      return { kind: 'ok', passed: outcome.passed };
    },

    /**
     * Checks a code of `method`. Every attempt is counted before it is checked (parallel
     * guesses cannot pass the limit); `confirmed` are the person's factors, read once by the caller.
     */
    async check({ person, request, clientId, approval, language }: StepRequest, method: MethodKind, code: string, confirmed: Factor[]): Promise<CodeCheck> {
      const gate = await deps.lockout.attempt(person.id, 'second_factor');
      if (!gate.allowed) return { kind: 'locked', until: gate.lockedUntil };
      const outcome = await codeOutcome(person.id, method, code, confirmed, approval);
      const who = { accountId: person.id, email: person.email ?? null, clientId, channel: method };
      if (outcome !== 'ok') {
        const lockedUntil = await failed(person, request, who, outcome, language);
        return lockedUntil ? { kind: 'locked', until: lockedUntil } : { kind: 'refused', reason: outcome };
      }
      await deps.audit(request, { ...who, type: method === 'recovery' ? 'recovery_code_used' : 'code_ok', result: 'ok' });
      if (method === 'recovery') await deps.alert(person, 'recovery_code_used', { remaining: await deps.secondFactors.recoveryCodesLeft(person.id) }, language);
      return { kind: 'ok' };
    },

    /** Sends a code by `channel`, or by the other when it fails; never while the person is locked out. */
    async send({ person, request, clientId, approval, language }: StepRequest, channel: Channel, appName: string): Promise<CodeSend> {
      const lockedUntil = await deps.lockout.lockedUntil(person.id);
      if (lockedUntil) return { kind: 'locked', until: lockedUntil };
      const outcome = await deps.deliveredCodes.sendSignInCode(person, channel, appName, approval, language);
      await auditCodeSent(deps.audit, request, clientId, person, channel, outcome);
      return outcome;
    },
  };
}

export type SecondFactorStep = ReturnType<typeof createSecondFactorStep>;
