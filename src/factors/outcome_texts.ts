import { durationPhrase, type Phrase, phrase } from '../i18n/phrase.ts';
import type { SendOutcome, SmsRefusal } from '../model/factor.ts';
import type { CheckOutcome } from './delivered_codes.ts';

/** What a refused code means to the person, as catalog phrases (locales/*.json): the pages put them in words. */
export const checkMessages: Record<Exclude<CheckOutcome, 'ok'>, Phrase> = {
  wrong: phrase('code.wrong'),
  expired: phrase('code.expired'),
  exhausted: phrase('code.exhausted'),
};

/** Passkey refusals never say which check failed; the audit log does. */
export const passkeyRefused = phrase('passkey.refused');

export const passkeyEnrolmentRefused = phrase('passkey.enrolment_refused');

export const wrongTotpCode = phrase('code.wrong_totp');

/** Why no SMS went, to the person: never which budget an attacker would have to spread over. */
const smsRefused: Record<SmsRefusal, Phrase> = {
  refused_country: phrase('sms.refused_country'),
  refused_number_type: phrase('sms.refused_number_type'),
  destination_budget: phrase('sms.too_many_to_number'),
  prefix_budget: phrase('sms.too_many_to_number'),
  daily_budget: phrase('sms.stopped_today'),
};

/** A number refused is the person's to change (400); a budget spent, a wait (429), or the service's (503). */
const refusedStatus: Record<SmsRefusal, number> = {
  refused_country: 400,
  refused_number_type: 400,
  destination_budget: 429,
  prefix_budget: 429,
  daily_budget: 503,
};

/** The status of a page that answers a send which did not go out. */
export function sendStatus(outcome: Exclude<SendOutcome, { kind: 'sent' }>): number {
  if (outcome.kind === 'failed') return 502;
  return outcome.kind === 'refused' ? refusedStatus[outcome.reason] : 429;
}

/** What a send which did not go out means to the person. */
export function sendProblem(outcome: Exclude<SendOutcome, { kind: 'sent' }>, now: number): Phrase {
  switch (outcome.kind) {
    case 'cooldown':
      return phrase('code.cooldown', { wait: durationPhrase(outcome.retryAt - now) });
    case 'capped':
      return phrase('code.capped', { wait: durationPhrase(outcome.retryAt - now) });
    case 'failed':
      return phrase('code.send_failed');
    case 'refused':
      return smsRefused[outcome.reason];
  }
}
