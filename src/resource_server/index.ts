/**
 * Stepup's resource-server kit (`stepup/resource-server`): an API checks Stepup's JWT access
 * tokens offline and, when the person signed in too weakly or too long ago, answers with
 * RFC 9470's step-up challenge, which the client turns into a new authorization request.
 * See docs/resource-servers.md.
 */

export { ACR_1FA, ACR_2FA, ACR_PHR, type Acr } from '../assurance/levels.ts';
export { type AccessTokenVerifier, type AccessTokenVerifierOptions, createAccessTokenVerifier, type Verdict } from './access_token_verifier.ts';
export { expressRequireAccess, koaRequireAccess, requireAccess } from './middleware.ts';
export { refusalResponse } from './refusal_response.ts';
export { type AccessTokenClaims, challengeOf, detailsApproved, type Refusal, type Requirement, statusOf } from './requirement.ts';
