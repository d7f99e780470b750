import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AccessTokenVerifier } from './access_token_verifier.ts';
import { refusalResponse } from './refusal_response.ts';
import type { AccessTokenClaims, Requirement } from './requirement.ts';

/**
 * For plain Node `http`: the token's claims when the request meets `requirement`; otherwise
 * the refusal is sent (401 with RFC 9470's challenge, 403 for a scope…) and undefined returned.
 * It throws when Stepup's keys cannot be had: answer 500 then.
 */
export async function requireAccess(
  verifier: AccessTokenVerifier,
  requirement: Requirement,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<AccessTokenClaims | undefined> {
  const verdict = await verifier.check(request.headers.authorization, requirement);
  if (verdict.ok) return verdict.claims;
  const refusal = refusalResponse(verdict.refusal);
  response.writeHead(refusal.status, refusal.headers).end(refusal.body);
  return undefined;
}

/** Express 5 middleware: on success the claims are in `res.locals.accessToken`. */
export function expressRequireAccess(verifier: AccessTokenVerifier, requirement: Requirement = {}) {
  return (request: IncomingMessage, response: ServerResponse & { locals?: Record<string, unknown> }, next: (error?: unknown) => void) => {
    requireAccess(verifier, requirement, request, response).then((claims) => {
      if (!claims) return;
      response.locals ??= {};
      response.locals.accessToken = claims;
      next();
    }, next);
  };
}

/** What the Koa middleware uses of Koa's context (so the package needs no Koa types). */
interface KoaLikeContext {
  get(header: string): string;
  set(headers: Record<string, string>): void;
  status: number;
  body: unknown;
  state: Record<string, unknown>;
}

/** Koa middleware: on success the claims are in `ctx.state.accessToken`. */
export function koaRequireAccess(verifier: AccessTokenVerifier, requirement: Requirement = {}) {
  return async (ctx: KoaLikeContext, next: () => Promise<unknown>) => {
    const verdict = await verifier.check(ctx.get('authorization') || undefined, requirement);
    if (!verdict.ok) {
      const refusal = refusalResponse(verdict.refusal);
      ctx.status = refusal.status;
      ctx.set(refusal.headers);
      ctx.body = refusal.body;
      return;
    }
    ctx.state.accessToken = verdict.claims;
    await next();
  };
}
