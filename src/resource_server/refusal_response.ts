import { challengeOf, type Refusal, statusOf } from './requirement.ts';

/** A refusal as an HTTP answer: its status, its `WWW-Authenticate` challenge and a JSON body. */
export function refusalResponse(refusal: Refusal) {
  const body =
    refusal.error === 'missing_token'
      ? { error: 'invalid_token', error_description: 'no access token' }
      : { error: refusal.error, error_description: refusal.description };
  return {
    status: statusOf(refusal),
    headers: { 'www-authenticate': challengeOf(refusal), 'cache-control': 'no-store', 'content-type': 'application/json' },
    body: JSON.stringify(body),
  };
}
