import { ACR_1FA, ACR_2FA, ACR_PHR } from '../src/assurance/levels.ts';
import { type AccessTokenVerifierOptions, createAccessTokenVerifier } from '../src/resource_server/access_token_verifier.ts';
import { refusalResponse } from '../src/resource_server/refusal_response.ts';
import { type AccessTokenClaims, challengeOf, type Refusal, type Requirement, statusOf, unmetBy } from '../src/resource_server/requirement.ts';

const now = 1_800_000_000;
const token = (claims: AccessTokenClaims = {}): AccessTokenClaims => ({ scope: 'read write', acr: ACR_2FA, auth_time: now - 60, ...claims });

describe('unmetBy: what a route needs against what the token says', () => {
  test.each<[string, AccessTokenClaims, Requirement, Refusal['error'] | undefined]>([
    ['no requirement', token(), {}, undefined],
    ['its scopes', token(), { scopes: ['read', 'write'] }, undefined],
    ['a scope it lacks', token(), { scopes: ['read', 'admin'] }, 'insufficient_scope'],
    ['a scope, with no scope claim', token({ scope: undefined }), { scopes: ['read'] }, 'insufficient_scope'],
    ['a scope that is a prefix of one it has', token({ scope: 'readers' }), { scopes: ['read'] }, 'insufficient_scope'],
    ['its level', token(), { acr: ACR_2FA }, undefined],
    ['a lower level', token(), { acr: ACR_1FA }, undefined],
    ['a higher level', token(), { acr: ACR_PHR }, 'insufficient_user_authentication'],
    ['a level, from a token at 1fa', token({ acr: ACR_1FA }), { acr: ACR_2FA }, 'insufficient_user_authentication'],
    ['a level, from a token with a foreign acr', token({ acr: 'urn:elsewhere:gold' }), { acr: ACR_1FA }, 'insufficient_user_authentication'],
    ['a level, from a token without acr', token({ acr: undefined }), { acr: ACR_1FA }, 'insufficient_user_authentication'],
    ['a sign-in within its age', token(), { maxAge: 60 }, undefined],
    ['a sign-in a second too old', token(), { maxAge: 59 }, 'insufficient_user_authentication'],
    ['a sign-in age, from a token without auth_time', token({ auth_time: undefined }), { maxAge: 600 }, 'insufficient_user_authentication'],
    ['a scope it lacks and a higher level: the scope first', token(), { scopes: ['admin'], acr: ACR_PHR }, 'insufficient_scope'],
  ])('%s', (_, claims, requirement, error) => {
    expect(unmetBy(claims, requirement, now)?.error).toBe(error);
  });
});

describe('challengeOf and statusOf: the answer, in the words of RFC 6750 and RFC 9470', () => {
  test.each<[string, Refusal, number, string]>([
    ['no token: the scheme alone', { error: 'missing_token' }, 401, 'Bearer'],
    ['a malformed header', { error: 'invalid_request', description: 'bad header' }, 400, 'Bearer error="invalid_request", error_description="bad header"'],
    ['a bad token', { error: 'invalid_token', description: 'expired' }, 401, 'Bearer error="invalid_token", error_description="expired"'],
    [
      'a missing scope names all the route needs',
      { error: 'insufficient_scope', description: 'lacks b', scopes: ['a', 'b'] },
      403,
      'Bearer error="insufficient_scope", error_description="lacks b", scope="a b"',
    ],
    [
      'a level and an age',
      { error: 'insufficient_user_authentication', description: 'stronger', acrValues: ACR_2FA, maxAge: 300 },
      401,
      'Bearer error="insufficient_user_authentication", error_description="stronger", acr_values="urn:stepup:loa:2fa", max_age="300"',
    ],
    [
      'a level alone',
      { error: 'insufficient_user_authentication', description: 'stronger', acrValues: ACR_PHR },
      401,
      'Bearer error="insufficient_user_authentication", error_description="stronger", acr_values="urn:stepup:loa:phr"',
    ],
    [
      'quotes and backslashes never break the quoted string',
      { error: 'invalid_token', description: 'a "b" \\c\né' },
      401,
      'Bearer error="invalid_token", error_description="a b c"',
    ],
  ])('%s', (_, refusal, status, header) => {
    expect(statusOf(refusal)).toBe(status);
    expect(challengeOf(refusal)).toBe(header);
  });

  test('the level and age both fall short: one challenge asks for both', () => {
    const refusal = unmetBy(token({ acr: ACR_1FA, auth_time: now - 1000 }), { acr: ACR_2FA, maxAge: 300 }, now)!;
    expect(challengeOf(refusal)).toBe(
      'Bearer error="insufficient_user_authentication", error_description="this call needs a sign-in at urn:stepup:loa:2fa and a sign-in within the last 300 seconds", acr_values="urn:stepup:loa:2fa", max_age="300"',
    );
  });
});

describe('createAccessTokenVerifier', () => {
  // jose skips the iss and aud checks when they are undefined: an unset setting must not let any token in
  test.each([
    [{ audience: 'https://api.example' }, 'issuer'],
    [{ issuer: 'https://login.example', audience: '' }, 'audience'],
    [{ issuer: 'https://login.example' }, 'audience'],
  ])('refuses to start without %j', (options, missing) => {
    expect(() => createAccessTokenVerifier(options as AccessTokenVerifierOptions)).toThrow(`createAccessTokenVerifier needs ${missing}: a non-empty string`);
  });

  test('a request without a token gets no error information, in the body as in the header', () => {
    expect(refusalResponse({ error: 'missing_token' })).toMatchObject({ status: 401, headers: { 'www-authenticate': 'Bearer' }, body: '{}' });
  });
});
