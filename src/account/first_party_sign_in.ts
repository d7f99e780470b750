import { createHash } from 'node:crypto';
import type { ParameterizedContext } from 'koa';
import type Provider from 'oidc-provider';
import { ACR_2FA, acrRank, satisfies } from '../assurance/index.ts';
import type { Clock } from '../clock.ts';
import { seeOther } from '../http/see_other.ts';
import { secondFactorTime } from '../oidc/second_factor_time.ts';
import { random } from '../random.ts';
import { safeEqual } from '../security/keyed_hash.ts';
import type { RecordStore } from '../store/ports.ts';

/** One of Stepup's own first-party clients (the account area, the admin console) and where it lives. */
export interface FirstPartyClient {
  clientId: string;
  /** the path its pages live under and its cookies are scoped to */
  base: string;
  callbackPath: string;
  signedOutPath: string;
  sessionCookie: string;
  /** strict keeps the session cookie off every request another site starts; lax by default */
  sessionSameSite?: 'strict' | 'lax';
  signInCookie: string;
  /** a page of its own to return to after signing in, or its start page: never another site */
  safeReturn(path: string): string;
}

export interface FirstPartySignInDeps {
  provider: Provider;
  records: RecordStore;
  clock: Clock;
  issuer: string;
  secureCookies: boolean;
}

/** A finished sign-in: who, at which level, when the second factor was passed (seconds), and where to go. */
export interface SignedIn {
  accountId: string;
  acr: string;
  secondFactorAt: number;
  sessionUid: string;
  returnTo: string;
}

interface PendingSignIn {
  state: string;
  verifier: string;
  returnTo: string;
}

const signInLifetimeMs = 30 * 60 * 1000;

const s256 = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');

/**
 * Signs in to one of Stepup's own areas as its first-party client: an authorization request
 * with PKCE, which oidc-provider answers with the password and second-factor pages as for any
 * client, and a code redeemed inside this process.
 */
export function createFirstPartySignIn(client: FirstPartyClient, deps: FirstPartySignInDeps) {
  const cookieOptions = (maxAge?: number) =>
    ({ signed: true, httpOnly: true, sameSite: 'lax', secure: deps.secureCookies, path: client.base, maxAge, overwrite: true }) as const;

  function readPending(ctx: ParameterizedContext): PendingSignIn | null {
    const raw = ctx.cookies.get(client.signInCookie, { signed: true });
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
   * issued to this client for its redirect URI, matches the PKCE verifier, is 2fa or above,
   * and is spent exactly once (the store's consume is atomic).
   */
  async function redeem(code: string, verifier: string) {
    const found = await deps.provider.AuthorizationCode.find(code);
    if (!found?.isValid || found.clientId !== client.clientId) return null;
    if (found.redirectUri !== deps.issuer + client.callbackPath || !satisfies(found.acr, ACR_2FA) || !found.accountId || !found.sessionUid) return null;
    if (found.codeChallengeMethod !== 'S256' || typeof found.codeChallenge !== 'string' || !safeEqual(found.codeChallenge, s256(verifier))) return null;
    // a 2fa session from before the second factor's time was kept counts as stale
    const session = await deps.provider.Session.findByUid(found.sessionUid);
    const secondFactorAt = secondFactorTime(session) ?? 0;
    // The level is the code's, the time the session's now: a step-up elsewhere between the two
    // (a fresh code on a session that was phr an hour ago) must not pair the old level with the
    // new time. The session must still be at the code's level, else the sign-in starts again.
    if (!session || acrRank(session.acr) < acrRank(found.acr)) return null;
    if (!(await deps.records.consume('AuthorizationCode', code, deps.clock.now()))) return null;
    return { accountId: found.accountId, acr: String(found.acr), secondFactorAt, sessionUid: found.sessionUid };
  }

  return {
    cookieOptions,
    /** Sends the browser to the authorization endpoint; `params` ask for more (mfa_max_age, acr_values). */
    start(ctx: ParameterizedContext, returnTo: string, params: Record<string, string> = {}) {
      const pending: PendingSignIn = { state: random.id(), verifier: random.id(32), returnTo: client.safeReturn(returnTo) };
      ctx.cookies.set(client.signInCookie, Buffer.from(JSON.stringify(pending)).toString('base64url'), cookieOptions(signInLifetimeMs));
      const query = new URLSearchParams({
        client_id: client.clientId,
        response_type: 'code',
        scope: 'openid',
        redirect_uri: deps.issuer + client.callbackPath,
        state: pending.state,
        code_challenge: s256(pending.verifier),
        code_challenge_method: 'S256',
        ...params,
      });
      seeOther(ctx, `/auth?${query}`);
    },
    /** At the callback: the sign-in this browser started, redeemed once; 'cancelled', or null when it is not valid. */
    async finish(ctx: ParameterizedContext): Promise<SignedIn | 'cancelled' | null> {
      const pending = readPending(ctx);
      ctx.cookies.set(client.signInCookie, null, { path: client.base });
      const { code, state, error } = ctx.query;
      if (error === 'access_denied') return 'cancelled';
      if (!pending || typeof state !== 'string' || !safeEqual(state, pending.state) || typeof code !== 'string') return null;
      const redeemed = await redeem(code, pending.verifier);
      return redeemed ? { ...redeemed, returnTo: pending.returnTo } : null;
    },
    sessionId: (ctx: ParameterizedContext) => ctx.cookies.get(client.sessionCookie, { signed: true }),
    setSession: (ctx: ParameterizedContext, id: string, maxAge?: number) =>
      ctx.cookies.set(client.sessionCookie, id, { ...cookieOptions(maxAge), sameSite: client.sessionSameSite ?? 'lax' }),
    clearSession: (ctx: ParameterizedContext) => ctx.cookies.set(client.sessionCookie, null, { path: client.base }),
    /** Ends the Stepup session too, through RP-initiated logout. */
    logoutUrl() {
      const query = new URLSearchParams({ client_id: client.clientId, post_logout_redirect_uri: deps.issuer + client.signedOutPath });
      return `/session/end?${query}`;
    },
  };
}
