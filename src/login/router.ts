import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import type { ParameterizedContext } from 'koa';
import { AppError } from '../errors.ts';
import { seeOther } from '../http/see_other.ts';
import { isFirstParty } from '../oidc/client_metadata.ts';
import { grantRequested, renderConsent, submitConsent } from './consent.ts';
import type { LoginDeps } from './deps.ts';
import { renderLogin, submitLogin, submitPasskey } from './login.ts';

/** GET /interaction/:uid — shows the page for the step oidc-provider is waiting on. */
function showInteraction(deps: LoginDeps) {
  return async (ctx: ParameterizedContext) => {
    const it = await deps.stepup.interaction(ctx);
    switch (it.prompt) {
      case 'login':
        if (await deps.stepup.secondFactorOwed(it)) return seeOther(ctx, deps.stepup.secondFactorUrl(it));
        return renderLogin(ctx, deps, it);
      case 'consent':
        // first-party clients are trusted: even prompt=consent shows no page
        return isFirstParty(it.client) ? grantRequested(ctx, deps, it) : renderConsent(ctx, deps, it);
      default:
        throw new AppError(400, 'unsupported_prompt', 'This sign-in asks for a step Stepup does not offer.');
    }
  };
}

/** The standalone server's own steps of a sign-in: the password, and consent. */
export function createLoginRouter(deps: LoginDeps) {
  const router = new Router({ prefix: '/interaction/:uid' });
  const form = bodyParser({ enableTypes: ['form'], formLimit: '32kb', encoding: 'utf-8' });
  router.use(async (ctx, next) => {
    ctx.set('Cache-Control', 'no-store');
    await next();
  });
  router.get('/', showInteraction(deps));
  router.post('/login', form, submitLogin(deps));
  router.post('/passkey', form, submitPasskey(deps));
  router.post('/consent', form, submitConsent(deps));
  return router;
}
