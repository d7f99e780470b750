import type { SendOutcome, SmsRefusal } from '../model/factor.ts';
import { durationText } from '../wait_text.ts';
import type { CheckOutcome } from './delivered_codes.ts';

export const checkMessages: Record<Exclude<CheckOutcome, 'ok'>, string> = {
  wrong: 'That code is not valid. Check it and try again.',
  expired: 'That code has expired or was already used. Send a new one.',
  exhausted: 'Too many wrong tries for this code. Send a new one.',
};

/** Passkey refusals never say which check failed; the audit log does. */
export const passkeyRefused = 'That passkey could not be used. Try again, or choose another way.';

export const passkeyEnrolmentRefused = 'That passkey could not be added. It may be registered already. Try again, or choose another way.';

export const wrongTotpCode = 'That code is not valid. Check the time on your phone and try the current code.';

/** Why no SMS went, to the person: never which budget an attacker would have to spread over. */
const smsRefused: Record<SmsRefusal, string> = {
  refused_country: 'We cannot send SMS to numbers in that country. Use another number, or another way to confirm.',
  refused_number_type: 'We cannot send SMS to that number: premium-rate, shared-cost and satellite numbers are not accepted. Use a mobile number.',
  destination_budget: 'Too many codes were sent to this number today. Try again tomorrow, or use another way to confirm.',
  prefix_budget: 'Too many codes were sent to this number today. Try again tomorrow, or use another way to confirm.',
  daily_budget: 'We cannot send SMS codes right now. Try again tomorrow, or use another way to confirm.',
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
export function sendProblem(outcome: Exclude<SendOutcome, { kind: 'sent' }>, now: number): string {
  switch (outcome.kind) {
    case 'cooldown':
      return `A code was sent moments ago. You can ask for a new one in ${durationText(outcome.retryAt - now)}.`;
    case 'capped':
      return `Too many codes were sent to you recently. You can ask for a new one in ${durationText(outcome.retryAt - now)}.`;
    case 'failed':
      return 'We could not send you a code right now. Try again later, or use another way to confirm.';
    case 'refused':
      return smsRefused[outcome.reason];
  }
}
