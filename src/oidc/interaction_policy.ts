import { interactionPolicy, type KoaContextWithOIDC } from 'oidc-provider';
import { ACR_2FA, needsSecondFactor } from './assurance.ts';
import { mfaPolicyOf } from './client_metadata.ts';

const { Prompt, Check, base } = interactionPolicy;

/**
 * oidc-provider's login and consent prompts, with a `second_factor` prompt between them.
 * The login prompt's own acr checks are removed: an acr that the session lacks is earned
 * with the second factor, never by asking for the password again.
 */
export function createInteractionPolicy() {
  const policy = base();
  const login = policy.get('login')!;
  login.checks.remove('essential_acrs');
  login.checks.remove('essential_acr');

  const secondFactor = new Prompt(
    { name: 'second_factor', requestable: false },
    new Check('second_factor_required', 'a second factor is required', 'interaction_required', (ctx: KoaContextWithOIDC) => {
      const { oidc } = ctx;
      if (oidc.session?.acr === ACR_2FA) return Check.NO_NEED_TO_PROMPT;
      return needsSecondFactor(mfaPolicyOf(oidc.client!), oidc.params ?? {}) ? Check.REQUEST_PROMPT : Check.NO_NEED_TO_PROMPT;
    }),
  );
  policy.add(secondFactor, 1);
  return policy;
}
