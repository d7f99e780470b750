import type Provider from 'oidc-provider';
import type { AccountSessions } from '../account/account_sessions.ts';
import type { RecentActivity } from '../account/activity.ts';
import type { AuditQueries } from '../admin/audit_queries.ts';
import type { ClientAdmin } from '../admin/clients.ts';
import type { KeyAdmin } from '../admin/keys.ts';
import type { UserAdmin } from '../admin/users.ts';
import type { Clock } from '../clock.ts';
import type { SecondFactorStep } from '../factors/check_step.ts';
import type { Passkeys } from '../factors/passkeys.ts';
import type { Csrf } from '../security/csrf.ts';
import type { AccountStore, FactorStore, RecordStore } from '../store/ports.ts';

/** What the admin console's handlers are given by the composition root: the admin services the CLI and API use. */
export interface ConsoleDeps {
  provider: Provider;
  accounts: AccountStore;
  factors: FactorStore;
  records: RecordStore;
  /** console sign-ins; their lifetime is the idle timeout, renewed by every request */
  consoleSessions: AccountSessions;
  clientAdmin: ClientAdmin;
  userAdmin: UserAdmin;
  auditQueries: AuditQueries;
  keyAdmin: KeyAdmin;
  recentActivity: RecentActivity;
  csrf: Csrf;
  clock: Clock;
  issuer: string;
  serviceName: string;
  /** console.idleSeconds: how long a console session lives without a request, and how recent its second factor must be */
  idleMs: number;
  /** console.freshSeconds, in ms: how recent the proof behind a dangerous action must be */
  freshMs: number;
  passkeys: Passkeys;
  secondFactorStep: SecondFactorStep;
  secureCookies: boolean;
}
