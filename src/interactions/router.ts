import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Router from '@koa/router';
import type { Middleware } from 'koa';
import { z } from 'zod';
import { securityHeaders } from '../http/security_headers.ts';
import { seeOther } from '../http/see_other.ts';
import { viewsDir } from '../paths.ts';
import { abortInteraction } from './abort.ts';
import type { InteractionDeps } from './deps.ts';
import { confirmDeliveredEnrolment, sendEnrolmentCode, showDeliveredEnrolment, targetForm } from './enrol_delivered.ts';
import { confirmPasskeyEnrolment, passkeyEnrolmentForm, showPasskeyEnrolment } from './enrol_passkey.ts';
import { confirmForm, confirmTotpEnrolment, showTotpEnrolment } from './enrol_totp.ts';
import { showEnrolmentChoice } from './enrolment.ts';
import { rememberedForm, submitRemembered } from './remembered_browser_step.ts';
import { stepUrl } from './respond.ts';
import { codeForm, passkeyForm, sendForm, sendSecondFactorCode, showSecondFactor, submitPasskey, submitSecondFactor } from './second_factor_pages.ts';
import { loadStep, type StepContext, stepForm } from './step_context.ts';

/**
 * Stepup's pages of a sign-in, under `${basePath}/interaction/:uid`: the second factor, the
 * first enrolment, and cancelling. Mounted before the host's pages at the same address. `pageMiddleware` (rendering, error pages) runs only for
 * these routes, so a host's own pages and errors are left alone.
 */
/** `/interaction/:uid` itself (with or without a trailing slash), not a page below it. */
const isInteractionAddress = (path: string) => /\/interaction\/[^/]+\/?$/.test(path);

export function createInteractionRouter(deps: InteractionDeps, pageMiddleware: Middleware[]) {
  const router = new Router({ prefix: `${deps.basePath}/interaction/:uid` });
  const form = (schema: z.ZodObject) => stepForm(deps.csrf, schema);

  router.use(async (ctx, next) => {
    ctx.set('Cache-Control', 'no-store');
    await next();
  });
  // Stepup's own pages carry its strict headers (CSP, no framing) in a host too; the
  // interaction's address itself is the host's page for its own prompts, left as the host sets it
  const headers = securityHeaders(false);
  router.use((ctx, next) => (isInteractionAddress(ctx.path) ? next() : headers(ctx, next)));
  // pages and error pages first: a step that cannot be loaded answers with the error page
  for (const middleware of pageMiddleware) router.use(middleware);
  router.use(loadStep(deps));
  // the interaction's own address is the host's page for its own prompts (login, consent)
  router.get('/', async (ctx: StepContext, next) => {
    if (ctx.state.step.prompt !== 'second_factor') return next();
    seeOther(ctx, stepUrl(ctx.state.step, '/second-factor'));
  });
  router.get('/second-factor', showSecondFactor(deps));
  router.post('/second-factor', ...form(codeForm), submitSecondFactor(deps));
  router.post('/second-factor/send', ...form(sendForm), sendSecondFactorCode(deps));
  router.post('/second-factor/passkey', ...form(passkeyForm), submitPasskey(deps));
  router.post('/second-factor/remembered', ...form(rememberedForm), submitRemembered(deps));
  router.get('/enrol', showEnrolmentChoice(deps));
  router.get('/enrol/totp', showTotpEnrolment(deps));
  router.get('/enrol/passkey', showPasskeyEnrolment(deps));
  router.post('/enrol/passkey', ...form(passkeyEnrolmentForm), confirmPasskeyEnrolment(deps));
  router.post('/enrol/totp', ...form(confirmForm), confirmTotpEnrolment(deps));
  // a channel the host gave no sender is not offered at all
  for (const channel of deps.enrollableChannels) {
    router.get(`/enrol/${channel}`, showDeliveredEnrolment(deps, channel));
    router.post(`/enrol/${channel}`, ...form(targetForm), sendEnrolmentCode(deps, channel));
    router.post(`/enrol/${channel}/confirm`, ...form(confirmForm), confirmDeliveredEnrolment(deps, channel));
  }
  router.post('/abort', ...form(z.object({})), abortInteraction(deps));
  return router;
}

/**
 * The pages' stylesheet and their scripts (passkeys, remembered browsers), same-origin files as the CSP asks, at
 * `${basePath}/assets/` (the pages' `assets` global): under a host's base path, clear of its own /assets.
 */
export function stylesheetRouter(basePath = '') {
  const router = new Router();
  for (const [file, type] of [
    ['stepup.css', 'text/css'],
    ['passkey.js', 'text/javascript'],
    ['remember.js', 'text/javascript'],
  ] as const) {
    const content = readFileSync(join(viewsDir, file));
    router.get(`${basePath}/assets/${file}`, (ctx) => {
      ctx.type = type;
      ctx.set('Cache-Control', 'public, max-age=3600');
      ctx.body = content;
    });
  }
  // an application's accent in both schemes (model/branding.ts made them): only colours reach the stylesheet
  router.get(`${basePath}/assets/accent.css`, (ctx) => {
    const color = (name: string) => {
      const value = ctx.query[name];
      return typeof value === 'string' && /^[0-9a-f]{6}$/i.test(value) ? `#${value}` : null;
    };
    const [light, dark] = [color('light'), color('dark')];
    if (!light || !dark) return;
    ctx.type = 'text/css';
    ctx.set('Cache-Control', 'public, max-age=86400');
    ctx.body = `:root { --accent: light-dark(${light}, ${dark}); --on-accent: light-dark(#ffffff, #121212); }\n`;
  });
  return router;
}
