import type { ParameterizedContext } from 'koa';
import type { SignInDecision } from '../assurance/index.ts';
import type { CurrentInteraction } from './current_interaction.ts';
import type { InteractionDeps } from './deps.ts';
import { saveResult } from './respond.ts';

type Unmet = Extract<SignInDecision, { kind: 'unmet' }>;

/**
 * The sign-in cannot reach the level the application needs (it needs a passkey that proves phr,
 * and the person's is new or still held): no session is made, the application gets OIDC's
 * `unmet_authentication_requirements`, and the person is told when their passkey will do.
 * Recovery codes of a first factor added on the way are shown here, once.
 */
export async function renderUnmet(ctx: ParameterizedContext, deps: InteractionDeps, it: CurrentInteraction, unmet: Unmet, recoveryCodes: string[] = []) {
  await deps.pendingSignIns.end(it);
  const continueUrl = await saveResult(it, {
    error: 'unmet_authentication_requirements',
    error_description: 'the application needs a passkey that this sign-in could not prove',
  });
  const from = unmet.heldUntil !== null && unmet.heldUntil > deps.clock.now() ? unmet.heldUntil : null;
  ctx.status = 200;
  await ctx.render('unmet', { it, from, recoveryCodes, continueUrl });
}
