import type { ParameterizedContext } from 'koa';
import { requestInfo } from '../http/request_info.ts';
import type { SendOutcome } from '../otp/delivered_codes.ts';
import type { Person } from '../person.ts';
import type { Channel } from '../store/ports.ts';
import type { CurrentInteraction } from './current_interaction.ts';
import type { InteractionDeps } from './deps.ts';
import { durationText } from '../http/wait_text.ts';

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

/** Every send attempt goes to the audit log, with the channel it finally went out on. */
export async function auditSend(ctx: ParameterizedContext, deps: Pick<InteractionDeps, 'audit'>, it: Pick<CurrentInteraction, 'clientId'>, account: Person, chosen: Channel, outcome: SendOutcome) {
  if (outcome.kind === 'cooldown' || outcome.kind === 'capped') return;
  await deps.audit(requestInfo(ctx), {
    type: 'code_sent',
    accountId: account.id,
    email: account.email,
    clientId: it.clientId,
    channel: outcome.kind === 'sent' ? outcome.channel : chosen,
    result: outcome.kind === 'sent' ? 'ok' : 'failed',
    detail: outcome.kind === 'sent' ? (outcome.fallbackFrom ? `fallback from ${outcome.fallbackFrom}` : null) : 'no channel delivered',
  });
}
