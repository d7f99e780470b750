import type { InteractionDeps } from './deps.ts';
import { finishInteraction } from './respond.ts';
import type { StepContext } from './step_context.ts';

/** POST /interaction/:uid/abort — the person cancels; the client gets access_denied. */
export function abortInteraction(deps: InteractionDeps) {
  return async (ctx: StepContext) => {
    const it = ctx.state.step;
    await deps.pendingSignIns.end(it);
    await finishInteraction(ctx, it, { error: 'access_denied', error_description: 'The person cancelled the sign-in.' });
  };
}
