import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import type { ParameterizedContext } from 'koa';
import { AppError } from '../http/errors.ts';
import { isFirstParty } from '../oidc/client_metadata.ts';
import { abortInteraction, grantRequested, renderConsent, submitConsent } from './consent.ts';
import { loadInteraction } from './current_interaction.ts';
import type { InteractionDeps } from './deps.ts';
import { confirmDeliveredEnrolment, sendEnrolmentCode, showDeliveredEnrolment } from './enrol_delivered.ts';
import { confirmTotpEnrolment, showTotpEnrolment } from './enrol_totp.ts';
import { showEnrolmentChoice } from './enrolment.ts';
import { renderLogin, submitLogin } from './login.ts';
import { seeOther, stepUrl } from './respond.ts';
import { sendSecondFactorCode, showSecondFactor, submitSecondFactor } from './second_factor.ts';

/** GET /interaction/:uid — shows the page for the step oidc-provider is waiting on. */
function showInteraction(deps: InteractionDeps) {
  return async (ctx: ParameterizedContext) => {
    const it = await loadInteraction(ctx, deps.provider, deps.csrf);
    switch (it.prompt) {
      case 'login':
        if (await deps.pendingSignIns.accountIdFor(it.uid)) return seeOther(ctx, stepUrl(it, '/second-factor'));
        return renderLogin(ctx, it);
      case 'second_factor':
        return seeOther(ctx, stepUrl(it, '/second-factor'));
      case 'consent':
        // first-party clients are trusted: even prompt=consent shows no page
        return isFirstParty(it.client) ? grantRequested(ctx, deps, it) : renderConsent(ctx, it);
      default:
        throw new AppError(400, 'unsupported_prompt', 'This sign-in asks for a step Stepup does not offer.');
    }
  };
}

export function createInteractionRouter(deps: InteractionDeps) {
  const router = new Router({ prefix: '/interaction/:uid' });
  // forms only, small: a password, a code, a token
  const form = bodyParser({ enableTypes: ['form'], formLimit: '32kb', encoding: 'utf-8' });

  router.use(async (ctx, next) => {
    ctx.set('Cache-Control', 'no-store');
    await next();
  });
  router.get('/', showInteraction(deps));
  router.post('/login', form, submitLogin(deps));
  router.get('/second-factor', showSecondFactor(deps));
  router.post('/second-factor', form, submitSecondFactor(deps));
  router.post('/second-factor/send', form, sendSecondFactorCode(deps));
  router.get('/enrol', showEnrolmentChoice(deps));
  router.get('/enrol/totp', showTotpEnrolment(deps));
  router.post('/enrol/totp', form, confirmTotpEnrolment(deps));
  for (const channel of ['email', 'sms'] as const) {
    router.get(`/enrol/${channel}`, showDeliveredEnrolment(deps, channel));
    router.post(`/enrol/${channel}`, form, sendEnrolmentCode(deps, channel));
    router.post(`/enrol/${channel}/confirm`, form, confirmDeliveredEnrolment(deps, channel));
  }
  router.post('/consent', form, submitConsent(deps));
  router.post('/abort', form, abortInteraction(deps));
  return router;
}
