import { durationText } from '../wait_text.ts';
import type { CheckOutcome, SendOutcome } from './delivered_codes.ts';

export const checkMessages: Record<Exclude<CheckOutcome, 'ok'>, string> = {
  wrong: 'That code is not valid. Check it and try again.',
  expired: 'That code has expired or was already used. Send a new one.',
  exhausted: 'Too many wrong tries for this code. Send a new one.',
};

/** Passkey refusals never say which check failed; the audit log does. */
export const passkeyRefused = 'That passkey could not be used. Try again, or choose another way.';

export const passkeyEnrolmentRefused = 'That passkey could not be added. It may be registered already. Try again, or choose another way.';

export const wrongTotpCode = 'That code is not valid. Check the time on your phone and try the current code.';

/** What a send outcome means to the person. */
export function sendProblem(outcome: SendOutcome, now: number): string | null {
  switch (outcome.kind) {
    case 'sent':
      return null;
    case 'cooldown':
      return `A code was sent moments ago. You can ask for a new one in ${durationText(outcome.retryAt - now)}.`;
    case 'capped':
      return `Too many codes were sent to you recently. You can ask for a new one in ${durationText(outcome.retryAt - now)}.`;
    case 'failed':
      return 'We could not send you a code right now. Try again later, or use another way to confirm.';
  }
}
