import { z } from 'zod';
import { rememberedAccepted } from '../assurance/index.ts';
import { text } from '../http/form.ts';
import { enforceRateLimit } from '../http/guards.ts';
import { requestInfo } from '../http/request_info.ts';
import { seeOther } from '../http/see_other.ts';
import { secondFactorAccount } from './complete_sign_in.ts';
import type { InteractionDeps } from './deps.ts';
import { rememberFactsOf } from './remember_browser.ts';
import { stepUrl } from './respond.ts';
import { nextStep } from './second_factor_pages.ts';
import { decideStep } from './sign_in_assurance.ts';
import type { StepContext } from './step_context.ts';

export const rememberedForm = z.object({ key_id: text(100), challenge: text(100), signature: text(200) });

/**
 * POST /interaction/:uid/second-factor/remembered — this browser's remembered key signed the
 * page's challenge. It stands in for the second factor only when the key is the one remembered
 * for this very browser (its mark) and account, the signature answers this sign-in's unused
 * challenge, and the assurance service accepts a remembered browser here; else the code is asked.
 */
export function submitRemembered(deps: InteractionDeps) {
  return async (ctx: StepContext<z.infer<typeof rememberedForm>>) => {
    const { step, form } = ctx.state;
    const account = await secondFactorAccount(deps, step);
    if (!account) return seeOther(ctx, step.restart);
    const decision = await decideStep(deps, step, account.id);
    if (decision.kind !== 'ask') return seeOther(ctx, stepUrl(step, '/second-factor'));
    await enforceRateLimit(ctx, deps, 'codeCheck', account.id);
    const request = requestInfo(ctx);
    const browserHash = deps.knownBrowsers.browserHashOf(ctx);
    const verified = await deps.rememberedBrowsers.verify(
      step.uid,
      account.id,
      browserHash,
      {
        keyId: form.key_id,
        challenge: form.challenge,
        signature: form.signature,
      },
      request.ip,
    );
    const now = deps.clock.now();
    const accepted = verified !== null && rememberedAccepted({ ...rememberFactsOf(step), factorAt: verified.factorAt, now });
    const event = { accountId: account.id, email: account.email, clientId: step.clientId };
    if (!verified || !accepted) {
      await deps.audit(request, {
        type: 'remembered_used',
        result: 'failed',
        ...event,
        detail: verified ? 'not accepted for this sign-in' : 'signature refused',
      });
      return seeOther(ctx, `${stepUrl(step, '/second-factor')}?remembered=refused`);
    }
    await deps.audit(request, { type: 'remembered_used', result: 'ok', ...event, detail: verified.name });
    const proof = { kind: 'remembered' as const, at: now, factorAt: verified.factorAt };
    await nextStep(ctx, deps, step, account, await decideStep(deps, step, account.id, proof), proof);
  };
}
