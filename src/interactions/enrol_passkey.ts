import type { ParameterizedContext } from 'koa';
import { z } from 'zod';
import { phrFromForNew } from '../assurance/index.ts';
import { passkeyEnrolmentRefused } from '../factors/outcome_texts.ts';
import { text } from '../http/form.ts';
import { enforceRateLimit } from '../http/guards.ts';
import { requestInfo } from '../http/request_info.ts';
import type { Phrase } from '../i18n/phrase.ts';
import type { Person } from '../person.ts';
import { personText } from '../person_text.ts';
import type { CurrentInteraction } from './current_interaction.ts';
import type { InteractionDeps } from './deps.ts';
import { enrollingAccount, finishPasskeyEnrolment } from './enrolment.ts';
import type { StepContext } from './step_context.ts';

/** The browser's new credential (JSON), and what its owner calls it. */
export const passkeyEnrolmentForm = z.object({ credential: text(16_000), name: personText(60) });

async function renderEnrolment(ctx: ParameterizedContext, deps: InteractionDeps, it: CurrentInteraction, account: Person, error?: Phrase) {
  const options = await deps.passkeys.registrationOptions(it.uid, account, await deps.secondFactors.confirmedFactors(account.id));
  await ctx.render('enrol_passkey', { it, options, action: `${it.base}/enrol/passkey`, error });
}

/** GET /interaction/:uid/enrol/passkey — the page whose button asks the browser for a new passkey. */
export function showPasskeyEnrolment(deps: InteractionDeps) {
  return async (ctx: StepContext) => {
    const it = ctx.state.step;
    const account = await enrollingAccount(ctx, deps, it);
    if (account) await renderEnrolment(ctx, deps, it, account);
  };
}

/** POST /interaction/:uid/enrol/passkey — the new credential, checked against this sign-in's challenge. */
export function confirmPasskeyEnrolment(deps: InteractionDeps) {
  return async (ctx: StepContext<z.infer<typeof passkeyEnrolmentForm>>) => {
    const { step: it, form } = ctx.state;
    const account = await enrollingAccount(ctx, deps, it);
    if (!account) return;
    await enforceRateLimit(ctx, deps, 'codeCheck', account.id);
    // added in a sign-in, which has proved no passkey yet: held before it proves phr
    const phrFrom = phrFromForNew(false, deps.clock.now(), deps.passkeyHoldMs);
    const registered = await deps.passkeys.register(it.uid, account.id, form.credential, form.name, phrFrom);
    if ('refused' in registered) {
      const who = { accountId: account.id, email: account.email, clientId: it.clientId, channel: 'webauthn' };
      await deps.audit(requestInfo(ctx), { ...who, type: 'enrolment', result: 'failed', detail: registered.refused });
      ctx.status = 400;
      return renderEnrolment(ctx, deps, it, account, passkeyEnrolmentRefused);
    }
    await finishPasskeyEnrolment(ctx, deps, it, account, registered.factor.id, registered.recoveryCodes);
  };
}
