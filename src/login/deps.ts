import type Provider from 'oidc-provider';
import type { PasskeySignIn } from '../account/passkey_sign_in.ts';
import type { PasswordStep } from '../account/password_step.ts';
import type { Clock } from '../clock.ts';
import type { Config } from '../config/schema.ts';
import type { Stepup } from '../plugin/stepup.ts';
import type { RateLimiter } from '../security/rate_limit.ts';

/** What the server's password and consent pages are given by the composition root. */
export interface LoginDeps {
  /** the current provider: a getter, since it is replaced when the keys rotate */
  readonly provider: Provider;
  stepup: Stepup;
  passwordStep: PasswordStep;
  passkeySignIn: PasskeySignIn;
  overLimit: RateLimiter;
  clock: Clock;
  passwordMaxLength: number;
  /** the registered APIs, for the names the consent page gives them */
  resourceServers: Config['resourceServers'];
}
