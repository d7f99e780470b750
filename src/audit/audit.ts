import type { Clock } from '../clock.ts';
import type { AuditEvent } from '../model/audit.ts';
import { random } from '../random.ts';
import type { AuditLogStore } from '../store/ports.ts';

/** Who is asking, as far as the request tells. */
export interface RequestInfo {
  ip: string | null;
  userAgent: string | null;
}

export const noRequest: RequestInfo = { ip: null, userAgent: null };

export type AuditInput = Pick<AuditEvent, 'type' | 'result'> & Partial<Omit<AuditEvent, 'id' | 'at' | 'type' | 'result'>>;

/** Writes authentication events to the audit log; a failure to write is logged, never fatal. */
export function createAudit(log: AuditLogStore, clock: Clock, onError: (error: unknown) => void) {
  return async function record(request: RequestInfo, event: AuditInput): Promise<void> {
    const entry: AuditEvent = {
      id: random.id(),
      at: clock.now(),
      accountId: null,
      clientId: null,
      channel: null,
      detail: null,
      ...request,
      ...event,
      // a plugin host's person may have no email: stored as null, never undefined
      email: event.email ?? null,
    };
    try {
      await log.add(entry);
    } catch (error) {
      onError(error);
    }
  };
}

export type RecordAudit = ReturnType<typeof createAudit>;
