import type { ParameterizedContext } from 'koa';
import { z } from 'zod';
import { parseForm, text } from '../http/form.ts';
import { loadInteraction, requireCsrf } from './current_interaction.ts';
import type { InteractionDeps } from './deps.ts';
import { finishInteraction } from './respond.ts';

/** POST /interaction/:uid/abort — the person cancels; the client gets access_denied. */
export function abortInteraction(deps: InteractionDeps) {
  const form = z.object({ csrf: text(200) });
  return async (ctx: ParameterizedContext) => {
    const it = await loadInteraction(ctx, deps);
    requireCsrf(deps.csrf, it, parseForm(ctx, form).csrf);
    await deps.pendingSignIns.end(it.uid);
    await finishInteraction(ctx, it, { error: 'access_denied', error_description: 'The person cancelled the sign-in.' });
  };
}
