import type Provider from 'oidc-provider';
import type { RecordAudit } from '../audit/audit.ts';
import type { Clock } from '../clock.ts';
import type { SecondFactorStep } from '../factors/check_step.ts';
import type { DeliveredCodes } from '../factors/delivered_codes.ts';
import type { Passkeys } from '../factors/passkeys.ts';
import type { SecondFactors } from '../factors/registry.ts';
import type { RememberedBrowsers } from '../factors/remembered_browsers.ts';
import type { Channel } from '../model/factor.ts';
import type { Alert, FactorUndoLinks } from '../notifications/alerts.ts';
import type { AuthorizationDetails } from '../oidc/authorization_details.ts';
import type { People } from '../person.ts';
import type { AdaptiveStepUp } from '../risk/adaptive_step_up.ts';
import type { Csrf } from '../security/csrf.ts';
import type { Lockout } from '../security/lockout.ts';
import type { RateLimiter } from '../security/rate_limit.ts';
import type { KnownBrowsers } from './known_browsers.ts';
import type { PendingSignIns } from './pending_sign_in.ts';

/** What the second-factor pages are given by the plugin's composition root. */
export interface InteractionDeps {
  /** the host's provider: a getter, since a server may replace it when its keys rotate */
  readonly provider: Provider;
  people: People;
  secondFactors: SecondFactors;
  secondFactorStep: SecondFactorStep;
  deliveredCodes: DeliveredCodes;
  passkeys: Passkeys;
  pendingSignIns: PendingSignIns;
  csrf: Csrf;
  lockout: Lockout;
  overLimit: RateLimiter;
  audit: RecordAudit;
  alert: Alert;
  /** the links a "factor added" alert carries to undo it; none when the host serves no such page */
  undoLinks?: FactorUndoLinks;
  knownBrowsers: KnownBrowsers;
  adaptive: AdaptiveStepUp;
  /** browsers a person chose to remember, each by a device-bound key (for clients with remember_browser_days) */
  rememberedBrowsers: RememberedBrowsers;
  clock: Clock;
  /** the channels with a sender: only these are offered for enrolment */
  enrollableChannels: Channel[];
  /** how long a passkey added from a session below phr proves only 2fa (passkeys.newCredentialHoldSeconds) */
  passkeyHoldMs: number;
  /** where the pages are mounted: `${basePath}/interaction/:uid/…` */
  basePath: string;
  /** the operator's authorization_details types: their summaries on the approval page */
  authorizationDetails: AuthorizationDetails;
}
