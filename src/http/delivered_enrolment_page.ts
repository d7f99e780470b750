import type { ParameterizedContext } from 'koa';
import type { Clock } from '../clock.ts';
import type { DeliveredCodes } from '../factors/delivered_codes.ts';
import { durationPhrase, type Phrase } from '../i18n/phrase.ts';
import type { Channel } from '../model/factor.ts';
import { maskDestination } from '../notifications/mask.ts';
import type { Person } from '../person.ts';

/** The page that proves an email address or phone number, in a sign-in or in the account area. */
export interface EnrolmentPage {
  base: string;
  csrfToken: string;
  clientName: string;
  uid?: string;
}

/** `binding`: the interaction or account-area session the enrolment belongs to. */
export async function renderDeliveredEnrolment(
  ctx: ParameterizedContext,
  deps: { deliveredCodes: DeliveredCodes; clock: Clock },
  binding: string,
  it: EnrolmentPage,
  account: Person,
  channel: Channel,
  state: { error?: Phrase; target?: string } = {},
) {
  const pending = await deps.deliveredCodes.pendingEnrolment(binding, account.id, channel);
  const live = pending ? await deps.deliveredCodes.liveCode(pending.factorId) : null;
  const now = deps.clock.now();
  const nextSendAt = await deps.deliveredCodes.nextSendAt(account.id);
  await ctx.render('enrol_delivered', {
    it,
    channel,
    target: state.target ?? pending?.target ?? (channel === 'email' ? (account.email ?? '') : (account.phone ?? '')),
    sentTo: live && pending?.target ? maskDestination(channel, pending.target) : null,
    expiresIn: live ? durationPhrase(live.expiresAt - now) : null,
    resendIn: nextSendAt === null ? null : durationPhrase(nextSendAt - now),
    error: state.error,
  });
}
