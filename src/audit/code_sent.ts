import type { Channel, SendOutcome } from '../model/factor.ts';
import type { Person } from '../person.ts';
import type { RecordAudit, RequestInfo } from './audit.ts';

function detailOf(outcome: SendOutcome): string | null {
  if (outcome.kind === 'sent') return outcome.fallbackFrom ? `fallback from ${outcome.fallbackFrom}` : null;
  return outcome.kind === 'refused' ? `SMS refused: ${outcome.reason}` : 'no channel delivered';
}

/** Every send attempt goes to the audit log, with the channel it finally went out on. */
export async function auditCodeSent(audit: RecordAudit, request: RequestInfo, clientId: string | null, person: Person, chosen: Channel, outcome: SendOutcome) {
  if (outcome.kind === 'cooldown' || outcome.kind === 'capped') return;
  await audit(request, {
    type: 'code_sent',
    accountId: person.id,
    email: person.email,
    clientId,
    channel: outcome.kind === 'sent' ? outcome.channel : chosen,
    result: outcome.kind === 'sent' ? 'ok' : 'failed',
    detail: detailOf(outcome),
  });
}
