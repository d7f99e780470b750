import type Provider from 'oidc-provider';
import type { AccountSessions } from '../account/account_sessions.ts';
import type { RecentActivity } from '../account/activity.ts';
import type { FactorUndo } from '../account/factor_undo.ts';
import type { Passwords } from '../account/passwords.ts';
import type { SelfService } from '../account/self_service.ts';
import type { RecordAudit } from '../audit/audit.ts';
import type { Clock } from '../clock.ts';
import type { DeliveredCodes } from '../factors/delivered_codes.ts';
import type { Passkeys } from '../factors/passkeys.ts';
import type { SecondFactors } from '../factors/registry.ts';
import type { RememberedBrowsers } from '../factors/remembered_browsers.ts';
import type { Csrf } from '../security/csrf.ts';
import type { RateLimiter } from '../security/rate_limit.ts';
import type { AccountStore, RecordStore } from '../store/ports.ts';

/** What the account area's handlers are given by the composition root. */
export interface AccountAreaDeps {
  provider: Provider;
  accounts: AccountStore;
  records: RecordStore;
  accountSessions: AccountSessions;
  secondFactors: SecondFactors;
  deliveredCodes: DeliveredCodes;
  passkeys: Passkeys;
  rememberedBrowsers: RememberedBrowsers;
  selfService: SelfService;
  passwords: Passwords;
  factorUndo: FactorUndo;
  recentActivity: RecentActivity;
  csrf: Csrf;
  overLimit: RateLimiter;
  audit: RecordAudit;
  clock: Clock;
  issuer: string;
  serviceName: string;
  /** how long an account-area sign-in lasts */
  sessionMs: number;
  /** how recent the second factor must be for a change to factors */
  freshMs: number;
  /** passkeys.newCredentialHoldSeconds, in ms */
  passkeyHoldMs: number;
  secureCookies: boolean;
  passwordMaxLength: number;
}
