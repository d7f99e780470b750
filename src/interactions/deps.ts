import type Provider from 'oidc-provider';
import type { CheckPassword } from '../accounts/password_login.ts';
import type { Alert } from '../audit/alerts.ts';
import type { RecordAudit } from '../audit/audit.ts';
import type { KnownBrowsers } from './known_browsers.ts';
import type { Lockout } from '../security/lockout.ts';
import type { RateLimiter } from '../security/rate_limit.ts';
import type { Clock } from '../clock.ts';
import type { DeliveredCodes } from '../otp/delivered_codes.ts';
import type { SecondFactors } from '../otp/second_factor.ts';
import type { Csrf } from '../security/csrf.ts';
import type { AccountStore } from '../store/ports.ts';
import type { PendingSignIns } from './pending_sign_in.ts';

/** What the interaction handlers are given by the composition root. */
export interface InteractionDeps {
  provider: Provider;
  accounts: AccountStore;
  checkPassword: CheckPassword;
  secondFactors: SecondFactors;
  deliveredCodes: DeliveredCodes;
  pendingSignIns: PendingSignIns;
  csrf: Csrf;
  lockout: Lockout;
  overLimit: RateLimiter;
  audit: RecordAudit;
  alert: Alert;
  knownBrowsers: KnownBrowsers;
  clock: Clock;
  passwordMaxLength: number;
}
