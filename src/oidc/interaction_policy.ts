import { interactionPolicy, type KoaContextWithOIDC } from 'oidc-provider';
import { ACR_1FA, type Acr, askedLevel, mfaMaxAgeMs, requiredLevel, riskChecked, sessionMeets } from '../assurance/index.ts';
import type { Clock } from '../clock.ts';
import { approvedInResult, requestedDetails } from './authorization_details.ts';
import { clientOf, mfaPolicyOf } from './client_metadata.ts';
import { secondFactorTime } from './second_factor_time.ts';

const { Prompt, Check, base } = interactionPolicy;

/**
 * `mfa_max_age` (seconds): how long ago the second factor may have been passed, whatever the
 * client's mfa policy. Like max_age, but an older session is asked for the second factor
 * only, never the password.
 */
export const MFA_MAX_AGE = 'mfa_max_age';

export function validateMfaMaxAge(value: unknown): void {
  if (value !== undefined && (typeof value !== 'string' || !/^\d{1,9}$/.test(value))) {
    throw new TypeError(`${MFA_MAX_AGE} must be a whole number of seconds`);
  }
}

/**
 * A session at the needed level or above passes unless the request asks for a fresher second
 * factor than it holds (the second factor's own time, not auth_time, which is the password's).
 */
function sessionSuffices(session: KoaContextWithOIDC['oidc']['session'], needed: Acr, params: Record<string, unknown>, now: number) {
  const passedAt = secondFactorTime(session);
  const proof = session ? { acr: session.acr, secondFactorAt: passedAt === undefined ? null : passedAt * 1000 } : undefined;
  return sessionMeets(proof, needed, mfaMaxAgeMs(params), now);
}

type Policy = ReturnType<typeof base>;

/**
 * The host's prompts (oidc-provider's login and consent by default), with a `second_factor`
 * prompt right after login. The login prompt's own acr checks are removed: an acr that the
 * session lacks is earned with the second factor, never by asking for the password again.
 */
export function withSecondFactorPrompt(clock: Clock, policy: Policy = base()): Policy {
  const login = policy.get('login');
  if (!login) throw new TypeError('the interaction policy has no login prompt to follow');
  login.checks.remove('essential_acrs');
  login.checks.remove('essential_acr');
  // A step-up asks only the second factor because the password was given. A session that began
  // with a passkey alone gave none: to reach a higher level it starts again from the password,
  // so `amr` never says `pwd` for a password nobody typed.
  login.checks.add(
    new Check('password_not_given', 'the session holds no password to step up from', 'login_required', (ctx: KoaContextWithOIDC) => {
      const { oidc } = ctx;
      const session = oidc.session;
      if (!session?.accountId || (session.amr ?? []).includes('pwd')) return Check.NO_NEED_TO_PROMPT;
      const params = oidc.params ?? {};
      return sessionSuffices(session, requiredLevel(mfaPolicyOf(clientOf(oidc)), params), params, clock.now()) ? Check.NO_NEED_TO_PROMPT : Check.REQUEST_PROMPT;
    }),
  );

  const secondFactor = new Prompt(
    { name: 'second_factor', requestable: false },
    // Listed first, so that with prompt=none its error is the one the application gets: a level
    // the request itself asks for (acr_values, as from an RFC 9470 challenge, or an essential
    // acr claim) that the session lacks is an unmet requirement (OpenID Connect Unmet
    // Authentication Requirements: OpenID Connect Core Error Code
    // unmet_authentication_requirements 1.0), which tells the application that an interactive step-up
    // is what it needs. A level only the client's own policy needs stays interaction_required.
    new Check(
      'requested_level_unmet',
      'the session does not reach the level the request asks for, and prompt=none allows no step-up',
      'unmet_authentication_requirements',
      (ctx: KoaContextWithOIDC) => {
        const { oidc } = ctx;
        if (!oidc.promptPending('none')) return Check.NO_NEED_TO_PROMPT;
        const params = oidc.params ?? {};
        // oidc-provider fills acr_values from the client's default_acr_values: those are its policy
        const defaults = (oidc.client as { defaultAcrValues?: string[] } | undefined)?.defaultAcrValues?.join(' ');
        const asked = askedLevel(params.acr_values === defaults ? { ...params, acr_values: undefined } : params);
        if (!asked || asked === ACR_1FA) return Check.NO_NEED_TO_PROMPT;
        return sessionSuffices(oidc.session, asked, {}, clock.now()) ? Check.NO_NEED_TO_PROMPT : Check.REQUEST_PROMPT;
      },
    ),
    new Check('second_factor_required', 'a second factor is required', 'interaction_required', (ctx: KoaContextWithOIDC) => {
      const { oidc } = ctx;
      const params = oidc.params ?? {};
      const policy = mfaPolicyOf(clientOf(oidc));
      const needed = requiredLevel(policy, params, policy === 'adaptive' && !riskChecked(oidc.session?.accountId ? oidc.session : undefined));
      if (needed === ACR_1FA) return Check.NO_NEED_TO_PROMPT;
      return sessionSuffices(oidc.session, needed, params, clock.now()) ? Check.NO_NEED_TO_PROMPT : Check.REQUEST_PROMPT;
    }),
    // A transaction (authorization_details, RFC 9396) is approved by a second factor passed for
    // it in this interaction, whatever the session holds: no earlier sign-in approves it.
    new Check('approval_required', 'the authorization details need a second factor passed for them', 'interaction_required', (ctx: KoaContextWithOIDC) =>
      requestedDetails(ctx.oidc.params) !== undefined && approvedInResult(ctx) === undefined ? Check.REQUEST_PROMPT : Check.NO_NEED_TO_PROMPT,
    ),
  );
  policy.add(secondFactor, policy.findIndex((prompt) => prompt.name === 'login') + 1);
  return policy;
}
