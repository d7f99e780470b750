import type Provider from 'oidc-provider';

/** The login result's and the session's field: when the second factor was last passed (epoch seconds). */
export const SECOND_FACTOR_TS = 'secondFactorTs';

type WithSecondFactor = { [SECOND_FACTOR_TS]?: unknown };

/** When a session's (or a login result's) second factor was passed, in epoch seconds; undefined when none was. */
export function secondFactorTime(session: object | undefined): number | undefined {
  const value = (session as WithSecondFactor | undefined)?.[SECOND_FACTOR_TS];
  return typeof value === 'number' ? value : undefined;
}

/**
 * The session's auth_time is the password's time (OIDC Core), so the second factor's time,
 * which `mfa_max_age` asks about, is kept beside it. oidc-provider stores only the session
 * fields its model lists and copies only its own fields from the login result: the field is
 * added to the list, and copied when a login result arrives (a password-only login clears it).
 */
export function keepSecondFactorTime(provider: Provider) {
  const fields = provider.Session.IN_PAYLOAD;
  Object.defineProperty(provider.Session, 'IN_PAYLOAD', { get: () => [...fields, SECOND_FACTOR_TS] });
  // emitted on resume after the login result is applied, before the session is saved
  provider.on('interaction.ended', (ctx) => {
    const login = ctx.oidc.result?.login;
    if (login) (ctx.oidc.session as unknown as WithSecondFactor)[SECOND_FACTOR_TS] = secondFactorTime(login);
  });
}
