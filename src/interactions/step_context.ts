import { bodyParser } from '@koa/bodyparser';
import type { Middleware, ParameterizedContext } from 'koa';
import type { z } from 'zod';
import { parseForm, text } from '../http/form.ts';
import type { Csrf } from '../security/csrf.ts';
import { type CurrentInteraction, loadInteraction, requireCsrf } from './current_interaction.ts';
import type { InteractionDeps } from './deps.ts';

/** A request to one of the sign-in's pages: its step loaded, and the form it posted, checked. */
export type StepContext<Form = undefined> = ParameterizedContext<{ step: CurrentInteraction; form: Form }>;

/** Loads the step named by the URL (which must be the browser's) into `ctx.state.step`. */
export const loadStep =
  (deps: Pick<InteractionDeps, 'provider' | 'csrf' | 'basePath'>): Middleware =>
  async (ctx, next) => {
    ctx.state.step = await loadInteraction(ctx, deps);
    await next();
  };

// forms only, small: a code, an address, a token
const body = bodyParser({ enableTypes: ['form'], formLimit: '32kb', encoding: 'utf-8' });

/**
 * A posted form: read, validated with `schema`, its CSRF token checked against the step's;
 * the values in `ctx.state.form`. Mount after `loadStep`.
 */
export function stepForm(csrf: Csrf, schema: z.ZodObject): Middleware[] {
  const withToken = schema.extend({ csrf: text(200) });
  const check: Middleware = async (ctx, next) => {
    const { csrf: token, ...form } = parseForm(ctx, withToken) as { csrf: string };
    requireCsrf(csrf, ctx.state.step as CurrentInteraction, token);
    ctx.state.form = form;
    await next();
  };
  return [body, check];
}
