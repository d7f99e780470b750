import { challengeOf, type Refusal, statusOf } from './requirement.ts';

/** A refusal as an HTTP answer: its status, its `WWW-Authenticate` challenge and a JSON body. */
export function refusalResponse(refusal: Refusal) {
  // without a token, no error information at all (RFC 6750 §3.1), in the body as in the header
  const body = refusal.error === 'missing_token' ? {} : { error: refusal.error, error_description: refusal.description };
  return {
    status: statusOf(refusal),
    headers: { 'www-authenticate': challengeOf(refusal), 'cache-control': 'no-store', 'content-type': 'application/json' },
    body: JSON.stringify(body),
  };
}
