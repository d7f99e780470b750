import { randomInt } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import type { Language } from '../i18n/languages.ts';
import { messageLanguage } from '../i18n/negotiate.ts';
import type { Channel, Factor, SendOutcome, SmsRefusal } from '../model/factor.ts';
import { maskDestination } from '../notifications/mask.ts';
import type { CodeMessages } from '../notifications/messages.ts';
import type { Sender } from '../notifications/senders/sender.ts';
import { type Person, savedLocaleOf } from '../person.ts';
import { random } from '../random.ts';
import type { Cipher } from '../security/cipher.ts';
import { keyedHash } from '../security/keyed_hash.ts';
import type { CounterStore, DeliveryLogStore, FactorStore, IssuedCodeStore } from '../store/ports.ts';
import type { PendingEnrolment, PendingEnrolments } from './pending_enrolments.ts';

export interface DeliveredCodeSettings {
  digits: number;
  ttlSeconds: number;
  maxAttempts: number;
  resendCooldownSeconds: number;
  maxSendsPerWindow: number;
  sendWindowSeconds: number;
}

export type CheckOutcome = 'ok' | 'wrong' | 'expired' | 'exhausted';

/** A transaction being approved (authorization_details): its fingerprint, and what it is in words. */
export interface Approval {
  fingerprint: string;
  summary: string;
}

/** An enrolment's code checked: with 'ok', the new factor's id and the recovery codes to show once, if any. */
export type EnrolmentConfirmation =
  | { outcome: 'ok'; factorId: string; recoveryCodes: string[] }
  | { outcome: Exclude<CheckOutcome, 'ok'>; factorId?: undefined; recoveryCodes: string[] };

/** Where a code goes: a verified factor, or one being enrolled. */
type CodeTarget = Pick<Factor, 'id' | 'kind' | 'target'>;

export interface DeliveredCodeDeps {
  factors: FactorStore;
  issuedCodes: IssuedCodeStore;
  deliveries: DeliveryLogStore;
  /** the cooldown and the send cap, reserved before each send */
  counters: CounterStore;
  /** adds a confirmed factor with the account's first recovery codes (SecondFactors.addFactor) */
  addFactor: (factor: Factor) => Promise<string[]>;
  enrolments: PendingEnrolments;
  senders: Record<Channel, Sender>;
  messages: CodeMessages;
  cipher: Cipher;
  clock: Clock;
  logger: Logger;
  settings: DeliveredCodeSettings;
  /** why an SMS to this number may not go now (see createSmsBudgets), or null */
  smsRefusal: (number: string, proven: boolean) => Promise<SmsRefusal | null>;
  /** told when a person proved they read mail at an address (an email code): the server marks it verified */
  emailProven?: (accountId: string, address: string) => Promise<void>;
}

/**
 * Email and SMS codes: sent with a cooldown and a cap per account, falling back to the
 * other verified channel when delivery fails, every attempt written to the delivery log.
 */
export function createDeliveredCodes(deps: DeliveredCodeDeps) {
  const { factors, issuedCodes, deliveries, clock, settings } = deps;
  // a code sent to approve a transaction is hashed with the approval's fingerprint: it checks
  // only where that same approval is asked, never for a sign-in or another approval
  const hash = (factorId: string, code: string, approval?: Approval) =>
    keyedHash(deps.cipher.hashKey, approval ? `code:${factorId}:approve:${approval.fingerprint}:${code}` : `code:${factorId}:${code}`);
  const newCode = () => String(randomInt(0, 10 ** settings.digits)).padStart(settings.digits, '0');

  const cooldownKey = (accountId: string) => `send-cooldown:${accountId}`;
  const capKey = (accountId: string) => `send-cap:${accountId}`;

  /**
   * Takes the account's cooldown and one send of its cap before sending, in atomic counters:
   * parallel requests cannot all pass while a slow provider has not answered yet. Null when
   * the send may go ahead.
   */
  async function reserveSend(accountId: string): Promise<SendOutcome | null> {
    const cooldown = await deps.counters.hit(cooldownKey(accountId), settings.resendCooldownSeconds * 1000);
    if (cooldown.count > 1) return { kind: 'cooldown', retryAt: cooldown.expiresAt };
    const cap = await deps.counters.hit(capKey(accountId), settings.sendWindowSeconds * 1000);
    if (cap.count > settings.maxSendsPerWindow) return { kind: 'capped', retryAt: cap.expiresAt };
    return null;
  }

  /** Sends after reserveSend; a send that fails or is refused everywhere gives the cooldown back. */
  async function deliverReserved(
    accountId: string,
    candidates: CodeTarget[],
    appName: string | null,
    proven: boolean,
    approval?: Approval,
    language?: Language,
  ): Promise<SendOutcome> {
    const outcome = await deliver(accountId, candidates, appName, proven, approval, language);
    if (outcome.kind !== 'sent') await deps.counters.clear(cooldownKey(accountId));
    return outcome;
  }

  /**
   * Tries each factor in turn until one channel delivers. An SMS the toll-fraud limits refuse
   * is never sent (nor its code issued), only logged, and the next channel tried.
   */
  async function deliver(
    accountId: string,
    candidates: CodeTarget[],
    appName: string | null,
    proven: boolean,
    approval?: Approval,
    language?: Language,
  ): Promise<SendOutcome> {
    const first = candidates[0]?.kind as Channel | undefined;
    let refusal: SmsRefusal | null = null;
    for (const factor of candidates) {
      const channel = factor.kind as Channel;
      const target = factor.target;
      if (target === null) throw new Error(`${channel} factor ${factor.id} has no destination`);
      const maskedTo = maskDestination(channel, target);
      const entry = {
        id: random.id(),
        accountId,
        channel,
        maskedTo,
        purpose: 'code' as const,
        fallbackFrom: channel === first ? null : (first ?? null),
        status: null,
      };
      const refused = channel === 'sms' ? await deps.smsRefusal(target, proven) : null;
      if (refused) {
        refusal = refused;
        deps.logger.warn({ channel, to: maskedTo, reason: refused }, 'SMS refused by the toll-fraud limits');
        await deliveries.add({ ...entry, result: 'refused', reason: refused, providerMessageId: null, createdAt: clock.now() });
        continue;
      }
      const code = newCode();
      const expiresAt = clock.now() + settings.ttlSeconds * 1000;
      await issuedCodes.issue({ factorId: factor.id, accountId, codeHash: hash(factor.id, code, approval), expiresAt, createdAt: clock.now() });
      const minutes = Math.round(settings.ttlSeconds / 60);
      const message = deps.messages(channel, target, { code, appName, minutes, ...(approval ? { approving: approval.summary } : {}) }, language);
      try {
        const { providerMessageId } = await deps.senders[channel].send(message);
        await deliveries.add({ ...entry, result: 'sent', reason: null, providerMessageId, createdAt: clock.now() });
        return { kind: 'sent', channel, maskedTo, fallbackFrom: entry.fallbackFrom, expiresAt };
      } catch (error) {
        const reason = (error as Error).message?.slice(0, 300) ?? 'unknown error';
        deps.logger.warn({ channel, provider: deps.senders[channel].provider, to: maskedTo, reason }, 'code delivery failed');
        await deliveries.add({ ...entry, result: 'failed', reason, providerMessageId: null, createdAt: clock.now() });
      }
    }
    return refusal ? { kind: 'refused', reason: refusal } : { kind: 'failed' };
  }

  /** The account's verified email and phone factors. */
  async function confirmed(accountId: string): Promise<Factor[]> {
    return (await factors.listForAccount(accountId)).filter((f) => f.confirmedAt !== null && (f.kind === 'email' || f.kind === 'sms') && f.target);
  }

  /** Checks a code sent for a factor (or a factor being enrolled). */
  async function check(factorId: string | undefined, code: string, approval?: Approval): Promise<CheckOutcome> {
    if (!factorId) return 'expired';
    const live = await issuedCodes.findLive(factorId);
    if (!live) return 'expired';
    if (live.attempts >= settings.maxAttempts) return 'exhausted';
    const normalized = code.replace(/\s/g, '');
    if (/^\d+$/.test(normalized) && (await issuedCodes.consume(factorId, hash(factorId, normalized, approval), settings.maxAttempts, clock.now()))) return 'ok';
    return (await issuedCodes.addAttempt(factorId)) >= settings.maxAttempts ? 'exhausted' : 'wrong';
  }

  return {
    /** Sends a sign-in code on `channel`, or on the account's other verified channel if that fails. */
    /** With `approval`, the code approves that transaction alone, and the message says what it is. */
    /** In the person's saved language, else `signInLanguage` (the sign-in's), else English. */
    async sendSignInCode(account: Person, channel: Channel, appName: string | null, approval?: Approval, signInLanguage?: Language): Promise<SendOutcome> {
      const language = messageLanguage(savedLocaleOf(account), signInLanguage);
      const all = await confirmed(account.id);
      const chosen = all.filter((f) => f.kind === channel);
      if (!chosen.length) return { kind: 'failed' };
      return (
        (await reserveSend(account.id)) ?? deliverReserved(account.id, [...chosen, ...all.filter((f) => f.kind !== channel)], appName, true, approval, language)
      );
    },

    async checkSignInCode(accountId: string, channel: Channel, code: string, approval?: Approval): Promise<CheckOutcome> {
      const factor = (await confirmed(accountId)).find((f) => f.kind === channel);
      const outcome = await check(factor?.id, code, approval);
      if (outcome === 'ok' && factor?.kind === 'email' && factor.target) await deps.emailProven?.(accountId, factor.target);
      return outcome;
    },

    /**
     * Starts proving an address or number in this binding attempt (an interaction or an
     * account-area session): a code to it, no fallback. A new address replaces the attempt's last.
     */
    async startEnrolment(
      binding: string,
      account: Person,
      channel: Channel,
      target: string,
      appName: string | null,
      signInLanguage?: Language,
    ): Promise<SendOutcome> {
      const pending: PendingEnrolment = { factorId: random.id(), kind: channel, secretCiphertext: null, target };
      const refused = await reserveSend(account.id);
      if (refused) return refused;
      await deps.enrolments.save(binding, account.id, pending);
      return deliverReserved(
        account.id,
        [{ id: pending.factorId, kind: channel, target }],
        appName,
        false,
        undefined,
        messageLanguage(savedLocaleOf(account), signInLanguage),
      );
    },

    pendingEnrolment: (binding: string, accountId: string, channel: Channel) => deps.enrolments.find(binding, accountId, channel),

    /**
     * Confirms this attempt's address with its code and adds the factor; it replaces an earlier
     * one of the kind. With 'ok' come its id and the recovery codes to show once, if any.
     */
    async confirmEnrolment(binding: string, accountId: string, channel: Channel, code: string): Promise<EnrolmentConfirmation> {
      const pending = await deps.enrolments.find(binding, accountId, channel);
      const outcome = await check(pending?.factorId, code);
      if (outcome !== 'ok') return { outcome, recoveryCodes: [] };
      if (!pending) return { outcome: 'expired', recoveryCodes: [] };
      if (!(await deps.enrolments.finish(binding, channel))) return { outcome: 'expired', recoveryCodes: [] };
      if (channel === 'email' && pending.target) await deps.emailProven?.(accountId, pending.target);
      const recoveryCodes = await deps.addFactor({
        id: pending.factorId,
        accountId,
        kind: channel,
        secretCiphertext: null,
        target: pending.target,
        confirmedAt: clock.now(),
        lastTimeStep: null,
        createdAt: clock.now(),
      });
      return { outcome, factorId: pending.factorId, recoveryCodes };
    },

    /** The live code of a factor, for showing where it went and when it expires. */
    async liveCode(factorId: string) {
      return issuedCodes.findLive(factorId);
    },

    /** When the next code may be sent, for the page's "send again"; null when it may be sent now. */
    async nextSendAt(accountId: string): Promise<number | null> {
      const cap = await deps.counters.peek(capKey(accountId));
      if (cap && cap.count >= settings.maxSendsPerWindow) return cap.expiresAt;
      return (await deps.counters.peek(cooldownKey(accountId)))?.expiresAt ?? null;
    },
  };
}

export type DeliveredCodes = ReturnType<typeof createDeliveredCodes>;
