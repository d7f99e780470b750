import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import type { Middleware } from 'koa';
import { seeOther } from '../http/see_other.ts';
import { viewsDir } from '../paths.ts';
import { abortInteraction } from './abort.ts';
import { loadInteraction } from './current_interaction.ts';
import { stepUrl } from './respond.ts';
import type { InteractionDeps } from './deps.ts';
import { confirmDeliveredEnrolment, sendEnrolmentCode, showDeliveredEnrolment } from './enrol_delivered.ts';
import { confirmTotpEnrolment, showTotpEnrolment } from './enrol_totp.ts';
import { showEnrolmentChoice } from './enrolment.ts';
import { sendSecondFactorCode, showSecondFactor, submitSecondFactor } from './second_factor.ts';

/**
 * Stepup's pages of a sign-in, under `${basePath}/interaction/:uid`: the second factor, the
 * first enrolment, and cancelling. Mounted before the host's pages at the same address. `pageMiddleware` (rendering, error pages) runs only for
 * these routes, so a host's own pages and errors are left alone.
 */
export function createInteractionRouter(deps: InteractionDeps, pageMiddleware: Middleware[]) {
  const router = new Router({ prefix: `${deps.basePath}/interaction/:uid` });
  // forms only, small: a code, an address, a token
  const form = bodyParser({ enableTypes: ['form'], formLimit: '32kb', encoding: 'utf-8' });

  router.use(async (ctx, next) => {
    ctx.set('Cache-Control', 'no-store');
    await next();
  });
  for (const middleware of pageMiddleware) router.use(middleware);
  // the interaction's own address is the host's page for its own prompts (login, consent)
  router.get('/', async (ctx, next) => {
    const it = await loadInteraction(ctx, deps);
    if (it.prompt !== 'second_factor') return next();
    seeOther(ctx, stepUrl(it, '/second-factor'));
  });
  router.get('/second-factor', showSecondFactor(deps));
  router.post('/second-factor', form, submitSecondFactor(deps));
  router.post('/second-factor/send', form, sendSecondFactorCode(deps));
  router.get('/enrol', showEnrolmentChoice(deps));
  router.get('/enrol/totp', showTotpEnrolment(deps));
  router.post('/enrol/totp', form, confirmTotpEnrolment(deps));
  // a channel the host gave no sender is not offered at all
  for (const channel of deps.enrollableChannels) {
    router.get(`/enrol/${channel}`, showDeliveredEnrolment(deps, channel));
    router.post(`/enrol/${channel}`, form, sendEnrolmentCode(deps, channel));
    router.post(`/enrol/${channel}/confirm`, form, confirmDeliveredEnrolment(deps, channel));
  }
  router.post('/abort', form, abortInteraction(deps));
  return router;
}

/** The pages' stylesheet, at the address their layout names. */
export function stylesheetRouter() {
  const router = new Router();
  const stylesheet = readFileSync(join(viewsDir, 'stepup.css'));
  router.get('/assets/stepup.css', (ctx) => {
    ctx.type = 'text/css';
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.body = stylesheet;
  });
  return router;
}
