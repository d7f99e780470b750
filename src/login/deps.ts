import type Provider from 'oidc-provider';
import type { CheckPassword } from '../account/password_login.ts';
import type { Alert } from '../notifications/alerts.ts';
import type { RecordAudit } from '../audit/audit.ts';
import type { Clock } from '../clock.ts';
import type { Stepup } from '../plugin/stepup.ts';
import type { RateLimiter } from '../security/rate_limit.ts';

/** What the server's password and consent pages are given by the composition root. */
export interface LoginDeps {
  /** the current provider: a getter, since it is replaced when the keys rotate */
  readonly provider: Provider;
  stepup: Stepup;
  checkPassword: CheckPassword;
  overLimit: RateLimiter;
  audit: RecordAudit;
  alert: Alert;
  clock: Clock;
  passwordMaxLength: number;
}
