import { type AuditInput, noRequest, type RecordAudit } from '../audit/audit.ts';

/** Who made an admin change from a browser: the admin's account, address and browser. The CLI and the API pass none. */
export interface AdminActor {
  accountId: string;
  ip: string | null;
  userAgent: string | null;
}

/**
 * Records an admin change; the console's changes carry the admin's IP and browser, and the
 * admin's account id in the detail (the event's accountId is the person changed).
 */
export function auditAdminChange(
  audit: RecordAudit,
  actor: AdminActor | undefined,
  event: Omit<AuditInput, 'type' | 'result' | 'channel'> & { detail: string },
) {
  const request = actor ? { ip: actor.ip, userAgent: actor.userAgent } : noRequest;
  const detail = actor ? `${event.detail} (by admin ${actor.accountId})` : event.detail;
  return audit(request, { ...event, type: 'admin_change', result: 'ok', channel: 'admin', detail });
}
