import { type Configuration, interactionPolicy, type KoaContextWithOIDC } from 'oidc-provider';
import type { Logger } from 'pino';
import { acrValues } from '../assurance/index.ts';
import { AppError } from '../errors.ts';
import type { CurrentInteraction } from '../interactions/current_interaction.ts';

const { Check } = interactionPolicy;

/**
 * The reason of a login prompt asked again because the host finished the last one itself
 * (`interactionResult(req, res, { login })`) rather than through Stepup: that session has no
 * level, so the login prompt would come back after every password, with nothing said.
 */
export const HOST_FINISHED_LOGIN = 'stepup_host_finished_login';

const fix =
  'the host finished the login prompt itself: call stepup.passwordAccepted(request, accountId) (or passkeyAccepted) instead of provider.interactionResult / interactionFinished with { login }';

/** A login result Stepup made says the level reached (one of its acr values) and what proved it (amr). */
function madeByStepup(login: { acr?: unknown; amr?: unknown }): boolean {
  return acrValues.includes(login.acr as string) && Array.isArray(login.amr) && login.amr.length > 0;
}

/**
 * The host's configuration (already Stepup's) with a check on the login prompt: a login
 * result that Stepup did not make is logged with its fix, and the login prompt is asked
 * again with this reason, which Stepup's pages answer with an error page (below).
 */
export function withHostFinishedLoginCheck(configuration: Configuration, logger: Logger): Configuration {
  const login = (configuration.interactions?.policy as ReturnType<typeof interactionPolicy.base> | undefined)?.get('login');
  if (!login) throw new TypeError('the interaction policy has no login prompt');
  if (login.checks.get(HOST_FINISHED_LOGIN)) return configuration;
  login.checks.add(
    new Check(HOST_FINISHED_LOGIN, 'the host finished the login prompt without Stepup', 'login_required', (ctx: KoaContextWithOIDC) => {
      const result = ctx.oidc.result?.login;
      if (!result || madeByStepup(result)) return Check.NO_NEED_TO_PROMPT;
      logger.error({ clientId: ctx.oidc.client?.clientId }, fix);
      return Check.REQUEST_PROMPT;
    }),
    0,
  );
  return configuration;
}

/** Refuses a step whose login prompt came back because the host finished the last one itself: no endless loop. */
export function refuseHostFinishedLogin(step: CurrentInteraction): void {
  if (step.prompt === 'login' && step.details.prompt.reasons.includes(HOST_FINISHED_LOGIN)) {
    throw new AppError(
      500,
      'sign_in_not_completed',
      'Your sign-in could not be completed because of a problem with how this site is set up. Its administrators can see what went wrong; go back to the application and try again later.',
    );
  }
}
