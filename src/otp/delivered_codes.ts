import { randomInt } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import { random } from '../random.ts';
import type { Cipher } from '../security/cipher.ts';
import { keyedHash } from '../security/keyed_hash.ts';
import type { Account, Channel, DeliveryLogStore, Factor, FactorStore, IssuedCodeStore } from '../store/ports.ts';
import { maskDestination } from './mask.ts';
import type { CodeMessages } from './messages.ts';
import type { Sender } from './senders/sender.ts';

export interface DeliveredCodeSettings {
  digits: number;
  ttlSeconds: number;
  maxAttempts: number;
  resendCooldownSeconds: number;
  maxSendsPerWindow: number;
  sendWindowSeconds: number;
}

export type SendOutcome =
  | { kind: 'sent'; channel: Channel; maskedTo: string; fallbackFrom: Channel | null; expiresAt: number }
  | { kind: 'cooldown' | 'capped'; retryAt: number }
  | { kind: 'failed' };

export type CheckOutcome = 'ok' | 'wrong' | 'expired' | 'exhausted';

export interface DeliveredCodeDeps {
  factors: FactorStore;
  issuedCodes: IssuedCodeStore;
  deliveries: DeliveryLogStore;
  senders: Record<Channel, Sender>;
  messages: CodeMessages;
  cipher: Cipher;
  clock: Clock;
  logger: Logger;
  settings: DeliveredCodeSettings;
}

/**
 * Email and SMS codes: sent with a cooldown and a cap per account, falling back to the
 * other verified channel when delivery fails, every attempt written to the delivery log.
 */
export function createDeliveredCodes(deps: DeliveredCodeDeps) {
  const { factors, issuedCodes, deliveries, clock, settings } = deps;
  const hash = (factorId: string, code: string) => keyedHash(deps.cipher.hashKey, `code:${factorId}:${code}`);
  const newCode = () => String(randomInt(0, 10 ** settings.digits)).padStart(settings.digits, '0');

  /** When the account may be sent another code, or null if now. */
  async function throttle(accountId: string): Promise<SendOutcome | null> {
    const now = clock.now();
    const sent = (await deliveries.codesSentSince(accountId, now - settings.sendWindowSeconds * 1000)).filter((d) => d.result === 'sent');
    if (sent.length >= settings.maxSendsPerWindow) {
      return { kind: 'capped', retryAt: sent[sent.length - settings.maxSendsPerWindow]!.createdAt + settings.sendWindowSeconds * 1000 };
    }
    const last = sent.at(-1);
    const cooldownEnds = last ? last.createdAt + settings.resendCooldownSeconds * 1000 : 0;
    return cooldownEnds > now ? { kind: 'cooldown', retryAt: cooldownEnds } : null;
  }

  /** Tries each factor in turn until one channel delivers. */
  async function deliver(accountId: string, candidates: Factor[], appName: string | null): Promise<SendOutcome> {
    const first = candidates[0]?.kind as Channel | undefined;
    for (const factor of candidates) {
      const channel = factor.kind as Channel;
      const code = newCode();
      const expiresAt = clock.now() + settings.ttlSeconds * 1000;
      await issuedCodes.issue({ factorId: factor.id, accountId, codeHash: hash(factor.id, code), expiresAt, createdAt: clock.now() });
      const maskedTo = maskDestination(channel, factor.target!);
      const message = deps.messages(channel, factor.target!, { code, appName, minutes: Math.round(settings.ttlSeconds / 60) });
      const entry = { id: random.id(), accountId, channel, maskedTo, purpose: 'code' as const, fallbackFrom: channel === first ? null : first ?? null, status: null };
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
    return { kind: 'failed' };
  }

  /** The account's verified email and phone factors. */
  async function confirmed(accountId: string): Promise<Factor[]> {
    return (await factors.listForAccount(accountId)).filter((f) => f.confirmedAt !== null && (f.kind === 'email' || f.kind === 'sms') && f.target);
  }

  async function check(factor: Factor | undefined, code: string): Promise<CheckOutcome> {
    if (!factor) return 'expired';
    const live = await issuedCodes.findLive(factor.id);
    if (!live) return 'expired';
    if (live.attempts >= settings.maxAttempts) return 'exhausted';
    const normalized = code.replace(/\s/g, '');
    if (/^\d+$/.test(normalized) && (await issuedCodes.consume(factor.id, hash(factor.id, normalized), settings.maxAttempts, clock.now()))) return 'ok';
    return (await issuedCodes.addAttempt(factor.id)) >= settings.maxAttempts ? 'exhausted' : 'wrong';
  }

  return {
    /** Sends a sign-in code on `channel`, or on the account's other verified channel if that fails. */
    async sendSignInCode(account: Account, channel: Channel, appName: string | null): Promise<SendOutcome> {
      const throttled = await throttle(account.id);
      if (throttled) return throttled;
      const all = await confirmed(account.id);
      const chosen = all.filter((f) => f.kind === channel);
      if (!chosen.length) return { kind: 'failed' };
      return deliver(account.id, [...chosen, ...all.filter((f) => f.kind !== channel)], appName);
    },

    async checkSignInCode(accountId: string, channel: Channel, code: string): Promise<CheckOutcome> {
      const factor = (await confirmed(accountId)).find((f) => f.kind === channel);
      return check(factor, code);
    },

    /** Starts proving an address or number: an unconfirmed factor and a code to it (no fallback). */
    async startEnrolment(account: Account, channel: Channel, target: string, appName: string | null): Promise<SendOutcome> {
      const throttled = await throttle(account.id);
      if (throttled) return throttled;
      await factors.removeUnconfirmed(account.id, channel);
      const factor: Factor = { id: random.id(), accountId: account.id, kind: channel, secretCiphertext: null, target, confirmedAt: null, lastTimeStep: null, createdAt: clock.now() };
      await factors.add(factor);
      return deliver(account.id, [factor], appName);
    },

    async pendingEnrolment(accountId: string, channel: Channel): Promise<Factor | null> {
      return (await factors.listForAccount(accountId)).find((f) => f.kind === channel && f.confirmedAt === null) ?? null;
    },

    /** Confirms the pending factor with its code; an earlier confirmed factor of the kind is replaced. */
    async confirmEnrolment(accountId: string, channel: Channel, code: string): Promise<CheckOutcome> {
      const all = await factors.listForAccount(accountId);
      const pending = all.find((f) => f.kind === channel && f.confirmedAt === null);
      const outcome = await check(pending, code);
      if (outcome !== 'ok' || !pending) return outcome;
      await factors.confirm(pending.id, clock.now());
      for (const old of all) if (old.kind === channel && old.confirmedAt !== null) await factors.remove(old.id);
      return 'ok';
    },

    /** The live code of a factor, for showing where it went and when it expires. */
    async liveCode(factorId: string) {
      return issuedCodes.findLive(factorId);
    },

    /** When the next code may be sent, for the page's "send again"; null when it may be sent now. */
    async nextSendAt(accountId: string): Promise<number | null> {
      const throttled = await throttle(accountId);
      return throttled && (throttled.kind === 'cooldown' || throttled.kind === 'capped') ? throttled.retryAt : null;
    },
  };
}

export type DeliveredCodes = ReturnType<typeof createDeliveredCodes>;
