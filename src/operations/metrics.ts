import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { AuditInput } from '../audit/audit.ts';

/**
 * Prometheus metrics, one registry per server. Authentication counts come from the audit
 * events, so the metrics and the audit log never disagree.
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'stepup_' });
  const signIns = new Counter({
    name: 'stepup_sign_in_steps_total',
    help: 'Sign-in steps by step (password, second_factor) and result (ok, failed)',
    labelNames: ['step', 'result'] as const,
    registers: [registry],
  });
  const codesSent = new Counter({
    name: 'stepup_codes_sent_total',
    help: 'Email and SMS codes sent, by the channel they went out on and result',
    labelNames: ['channel', 'result'] as const,
    registers: [registry],
  });
  const lockouts = new Counter({
    name: 'stepup_lockouts_total',
    help: 'Accounts locked, by what was failing',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  const requests = new Histogram({
    name: 'stepup_http_request_duration_seconds',
    help: 'HTTP request latency by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const storage = new Histogram({
    name: 'stepup_storage_operation_duration_seconds',
    help: 'Storage latency by operation (port.method)',
    labelNames: ['operation', 'outcome'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1],
    registers: [registry],
  });

  const storageOwners = new Counter({
    name: 'stepup_storage_operations_total',
    help: "Storage operations by whose they are: oidc-provider's (its models' records, clients) or Stepup's own",
    labelNames: ['owner'] as const,
    registers: [registry],
  });

  return {
    registry,
    requests,
    storage,
    storageOwners,
    /** The store's round trips, as a gauge; none where it makes none (SQLite), rather than a 0. */
    countRoundTrips(source: () => number | null) {
      if (source() === null) return;
      new Gauge({
        name: 'stepup_storage_round_trips',
        help: 'Commands sent to the database server since start (MongoDB): each a round trip',
        registers: [registry],
        collect() {
          this.set(source() ?? 0);
        },
      });
    },
    /** Called for every audit event. */
    observeAudit(event: AuditInput) {
      switch (event.type) {
        case 'login_ok':
        case 'login_failed':
          signIns.inc({ step: 'password', result: event.result });
          break;
        case 'code_ok':
        case 'code_failed':
        case 'recovery_code_used':
          signIns.inc({ step: 'second_factor', result: event.result });
          break;
        case 'code_sent':
          codesSent.inc({ channel: event.channel ?? 'none', result: event.result });
          break;
        case 'lockout':
          lockouts.inc({ reason: event.detail === 'password failures' ? 'password' : 'second_factor' });
          break;
        default:
      }
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
