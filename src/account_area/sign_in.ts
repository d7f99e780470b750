import { createHash } from 'node:crypto';
import type { ParameterizedContext } from 'koa';
import { ACCOUNT_CLIENT_ID, accountCallbackPath, accountSignedOutPath } from '../account/account_client.ts';
import { AppError } from '../errors.ts';
import { seeOther } from '../http/see_other.ts';
import { ACR_2FA, satisfies } from '../oidc/assurance.ts';
import { MFA_MAX_AGE } from '../oidc/interaction_policy.ts';
import { secondFactorTime } from '../oidc/second_factor_time.ts';
import { random } from '../random.ts';
import { safeEqual } from '../security/keyed_hash.ts';
import type { AccountAreaDeps } from './deps.ts';
export const SESSION_COOKIE = 'stepup.account';
const SIGN_IN_COOKIE = 'stepup.account.signin';
const signInLifetimeMs = 30 * 60 * 1000;

interface PendingSignIn {
  state: string;
  verifier: string;
  returnTo: string;
}

const s256 = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');

/** Only pages of the account area are returned to after signing in. */
const safeReturn = (path: string) => (/^\/account(\/[\w/-]*)?(\?[\w=&-]*)?$/.test(path) ? path : '/account');

const cookieOptions = (deps: AccountAreaDeps, maxAge: number) =>
  ({ signed: true, httpOnly: true, sameSite: 'lax', secure: deps.secureCookies, path: '/account', maxAge, overwrite: true }) as const;

/**
 * Signs in to the account area as Stepup's own client: an authorization request with PKCE,
 * which oidc-provider answers with the password and second-factor pages as for any client.
 * `fresh` asks for a second factor passed within the freshness period.
 */
export function startSignIn(ctx: ParameterizedContext, deps: AccountAreaDeps, returnTo: string, fresh: boolean) {
  const pending: PendingSignIn = { state: random.id(), verifier: random.id(32), returnTo: safeReturn(returnTo) };
  ctx.cookies.set(SIGN_IN_COOKIE, Buffer.from(JSON.stringify(pending)).toString('base64url'), cookieOptions(deps, signInLifetimeMs));
  const params = new URLSearchParams({
    client_id: ACCOUNT_CLIENT_ID,
    response_type: 'code',
    scope: 'openid',
    redirect_uri: deps.issuer + accountCallbackPath,
    state: pending.state,
    code_challenge: s256(pending.verifier),
    code_challenge_method: 'S256',
    ...(fresh ? { [MFA_MAX_AGE]: String(Math.floor(deps.freshMs / 1000)) } : {}),
  });
  seeOther(ctx, `/auth?${params}`);
}

function readPending(ctx: ParameterizedContext): PendingSignIn | null {
  const raw = ctx.cookies.get(SIGN_IN_COOKIE, { signed: true });
  if (!raw) return null;
  try {
    const value = JSON.parse(Buffer.from(raw, 'base64url').toString()) as Partial<PendingSignIn>;
    return typeof value.state === 'string' && typeof value.verifier === 'string' && typeof value.returnTo === 'string' ? (value as PendingSignIn) : null;
  } catch {
    return null;
  }
}

/**
 * The token endpoint's checks for this public client, done in this process: the code was
 * issued to the account client for our redirect URI, matches the PKCE verifier, is 2fa or above,
 * and is spent exactly once (the store's consume is atomic). Answers when the session's
 * second factor was passed (auth_time is the password's).
 */
async function redeemCode(deps: AccountAreaDeps, code: string, verifier: string) {
  const found = await deps.provider.AuthorizationCode.find(code);
  if (!found?.isValid || found.clientId !== ACCOUNT_CLIENT_ID) return null;
  if (found.redirectUri !== deps.issuer + accountCallbackPath || !satisfies(found.acr, ACR_2FA) || !found.accountId || !found.sessionUid) return null;
  if (found.codeChallengeMethod !== 'S256' || typeof found.codeChallenge !== 'string' || !safeEqual(found.codeChallenge, s256(verifier))) return null;
  // a 2fa session from before the second factor's time was kept counts as stale
  const secondFactorAt = secondFactorTime(await deps.provider.Session.findByUid(found.sessionUid)) ?? 0;
  if (!(await deps.records.consume('AuthorizationCode', code, deps.clock.now()))) return null;
  return { accountId: found.accountId, secondFactorAt, sessionUid: found.sessionUid };
}

const invalidCallback = () =>
  new AppError(400, 'invalid_callback', 'This sign-in to your account did not finish or has expired. Open your account again to sign in.');

/** GET /account/callback — where the authorization answers; starts the account-area session. */
export function accountCallback(deps: AccountAreaDeps) {
  return async (ctx: ParameterizedContext) => {
    const pending = readPending(ctx);
    ctx.cookies.set(SIGN_IN_COOKIE, null, { path: '/account' });
    const { code, state, error } = ctx.query;
    if (error === 'access_denied')
      return ctx.render('account_message', {
        title: 'Sign-in cancelled',
        message: 'You cancelled signing in to your account.',
        link: { href: '/account', text: 'Sign in to your account' },
      });
    if (!pending || typeof state !== 'string' || !safeEqual(state, pending.state) || typeof code !== 'string') throw invalidCallback();
    const redeemed = await redeemCode(deps, code, pending.verifier);
    if (!redeemed) throw invalidCallback();
    const session = await deps.accountSessions.start(redeemed.accountId, redeemed.secondFactorAt * 1000, redeemed.sessionUid);
    ctx.cookies.set(SESSION_COOKIE, session.id, cookieOptions(deps, deps.sessionMs));
    seeOther(ctx, pending.returnTo);
  };
}

/** Ends the account-area session here and the Stepup session through RP-initiated logout. */
export async function endAccountSession(ctx: ParameterizedContext, deps: AccountAreaDeps, sessionId: string) {
  await deps.accountSessions.end(sessionId);
  ctx.cookies.set(SESSION_COOKIE, null, { path: '/account' });
}

export function logoutUrl(deps: AccountAreaDeps) {
  const params = new URLSearchParams({ client_id: ACCOUNT_CLIENT_ID, post_logout_redirect_uri: deps.issuer + accountSignedOutPath });
  return `/session/end?${params}`;
}
