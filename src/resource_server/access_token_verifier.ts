import { createRemoteJWKSet, errors, type JWTVerifyGetKey, jwtVerify } from 'jose';
import { type AccessTokenClaims, type Refusal, type Requirement, unmetBy } from './requirement.ts';

export interface AccessTokenVerifierOptions {
  /** Stepup's issuer, exactly as its discovery document says it */
  issuer: string;
  /** this API's URL, registered at Stepup as a resource server: the tokens' audience */
  audience: string;
  /** where Stepup's signing keys are; read from the issuer's discovery document when not given */
  jwksUri?: string;
  /** the signing algorithms accepted (default RS256, what Stepup signs access tokens with) */
  algorithms?: string[];
  /** leeway for the clocks of Stepup and this API, in seconds (default 5) */
  clockToleranceSeconds?: number;
  /** the current time in epoch seconds, for tests (default: the system clock) */
  now?: () => number;
}

/** A request's outcome: the token's claims when it may go on, else why not. */
export type Verdict = { ok: true; claims: AccessTokenClaims } | { ok: false; refusal: Refusal };

export interface AccessTokenVerifier {
  /** Checks an `Authorization` header's bearer token against a route's requirement. */
  check(authorization: string | undefined, requirement?: Requirement): Promise<Verdict>;
}

/** jose's codes for Stepup's keys out of reach or unreadable: this API's trouble, not the caller's token */
const keysUnavailable = new Set(['ERR_JOSE_GENERIC', 'ERR_JWKS_INVALID', 'ERR_JWKS_TIMEOUT']);

/**
 * Checks Stepup's JWT access tokens offline: signature against the issuer's /jwks (fetched
 * once, kept, and fetched again when a token names a key not yet seen, at most every 30 s),
 * `typ` at+jwt (RFC 9068, so an ID token is never taken for an access token), issuer,
 * audience, expiry, then the route's scopes, level and freshness.
 */
export function createAccessTokenVerifier(options: AccessTokenVerifierOptions): AccessTokenVerifier {
  // jose skips the iss and aud checks when they are not given: a missing setting must not
  // make every token of every API good here
  for (const name of ['issuer', 'audience'] as const) {
    if (typeof options[name] !== 'string' || options[name] === '') throw new TypeError(`createAccessTokenVerifier needs ${name}: a non-empty string`);
  }
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  let keys: Promise<JWTVerifyGetKey> | undefined;
  const signingKeys = () => {
    if (!keys) {
      keys = jwksUri(options).then((uri) => createRemoteJWKSet(new URL(uri), { cooldownDuration: 30_000, cacheMaxAge: 600_000, timeoutDuration: 5_000 }));
      // a failed discovery is tried again, after 5 s, not remembered for good
      keys.catch(() => setTimeout(() => (keys = undefined), 5_000).unref());
    }
    return keys;
  };

  return {
    async check(authorization, requirement = {}) {
      const token = bearerToken(authorization);
      if (typeof token !== 'string') return { ok: false, refusal: token };
      const keys = await signingKeys();
      let claims: AccessTokenClaims;
      try {
        const { payload } = await jwtVerify(token, keys, {
          issuer: options.issuer,
          audience: options.audience,
          typ: 'at+jwt',
          algorithms: options.algorithms ?? ['RS256'],
          // RFC 9068 §2.2: these are required, and jose checks exp only when it is there
          requiredClaims: ['exp', 'iat', 'jti', 'client_id'],
          clockTolerance: options.clockToleranceSeconds ?? 5,
          currentDate: new Date(now() * 1000),
        });
        claims = payload as AccessTokenClaims;
      } catch (error) {
        // Stepup's keys out of reach is this API's trouble (a 500), not the caller's token
        if (!(error instanceof errors.JOSEError) || keysUnavailable.has(error.code)) throw error;
        return { ok: false, refusal: { error: 'invalid_token', description: whyInvalid(error) } };
      }
      // a DPoP-bound token is good only with a proof of its key, which a Bearer call lacks
      if (claims.cnf !== undefined)
        return { ok: false, refusal: { error: 'invalid_token', description: 'the access token is bound to a key and needs its proof' } };
      const refusal = unmetBy(claims, requirement, now());
      return refusal ? { ok: false, refusal } : { ok: true, claims };
    },
  };
}

/** The token of a `Bearer` Authorization header, or why there is none (RFC 6750 §2.1). */
function bearerToken(authorization: string | undefined): string | Refusal {
  const [scheme, ...rest] = (authorization ?? '').trim().split(/ +/);
  if (scheme?.toLowerCase() !== 'bearer') return { error: 'missing_token' };
  const token = rest.join(' ');
  if (!/^[A-Za-z0-9\-._~+/]+=*$/.test(token)) return { error: 'invalid_request', description: 'the Authorization header is not Bearer and one token' };
  return token;
}

/** What to tell the caller about a token that failed: enough to act on, nothing about our keys. */
function whyInvalid(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'the access token has expired';
  if (error instanceof errors.JWTClaimValidationFailed && error.claim === 'aud') return 'the access token is for another API';
  return 'the access token is not valid';
}

async function jwksUri(options: AccessTokenVerifierOptions): Promise<string> {
  if (options.jwksUri) return options.jwksUri;
  const url = `${options.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
  const response = await fetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(5_000) });
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  const metadata = (await response.json()) as { issuer?: unknown; jwks_uri?: unknown };
  // RFC 8414 §3.3: the document must be the issuer's own
  if (metadata.issuer !== options.issuer) throw new Error(`${url} names the issuer ${String(metadata.issuer)}, not ${options.issuer}`);
  if (typeof metadata.jwks_uri !== 'string') throw new Error(`${url} names no jwks_uri`);
  return metadata.jwks_uri;
}
