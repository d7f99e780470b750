import { request } from 'node:http';
import { type RunningStepup, startStepup } from './support/stepup.ts';

// The review's cache poisoner: discovery used to name whatever host the request named, with
// nothing to stop a shared cache from keeping it. Now oidc-provider only answers for the
// issuer, and discovery and the JWKS say how long they may be kept.

interface Answer {
  status: number;
  cacheControl: string | undefined;
  body: string;
}

/** A GET to the app's socket with exactly these headers: a proxy or attacker names any host. */
function get(stepup: RunningStepup, path: string, headers: Record<string, string>): Promise<Answer> {
  const { port } = stepup.container.config;
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { accept: 'application/json', ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, cacheControl: res.headers['cache-control'], body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const discovery = '/.well-known/openid-configuration';

let plain: RunningStepup;
let tls: RunningStepup;
beforeAll(async () => {
  [plain, tls] = await Promise.all([startStepup(), startStepup({ ISSUER: 'https://id.example.test', TRUST_PROXY: '1' })]);
});
afterAll(() => Promise.all([plain.stop(), tls.stop()]));

test("discovery names the issuer's endpoints, and discovery and the JWKS may be cached for five minutes", async () => {
  const host = new URL(plain.issuer).host;
  const answer = await get(plain, discovery, { host });
  expect(answer.status).toBe(200);
  expect(JSON.parse(answer.body)).toMatchObject({ issuer: plain.issuer, token_endpoint: `${plain.issuer}/token`, jwks_uri: `${plain.issuer}/jwks` });
  expect(answer.cacheControl).toBe('public, max-age=300');
  const jwks = await get(plain, '/jwks', { host });
  expect([jwks.status, jwks.cacheControl]).toEqual([200, 'public, max-age=300']);
});

test('a request naming another host gets no discovery document, no JWKS, no endpoint at all', async () => {
  const port = new URL(plain.issuer).port;
  const named: string[] = [];
  for (const host of ['evil.example', `evil.example:${port}`, 'EVIL.example', `localhost:${port}`, '127.0.0.1:1']) {
    for (const path of [discovery, '/jwks', '/auth?client_id=x', '/me']) {
      const answer = await get(plain, path, { host });
      if (answer.status !== 421 || /evil/i.test(answer.body) || /public/.test(answer.cacheControl ?? ''))
        named.push(`${host} ${path}: ${answer.status} ${answer.body}`);
    }
  }
  expect(named).toEqual([]);
  // koa drops userinfo from Host, so oidc-provider sees (and names) the issuer's host
  const userinfo = await get(plain, discovery, { host: `evil.example@127.0.0.1:${port}` });
  expect(JSON.parse(userinfo.body)).toMatchObject({ token_endpoint: `${plain.issuer}/token` });
  // a health probe by address still gets its answer
  expect((await get(plain, '/healthz', { host: 'evil.example' })).status).toBe(200);
});

test('behind a trusted proxy, only the forwarded issuer host and https reach oidc-provider', async () => {
  const proxied = { host: 'id.example.test', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'id.example.test' };
  const answer = await get(tls, discovery, proxied);
  expect(answer.status).toBe(200);
  expect(JSON.parse(answer.body)).toMatchObject({ token_endpoint: 'https://id.example.test/token', jwks_uri: 'https://id.example.test/jwks' });
  expect(answer.cacheControl).toBe('public, max-age=300');
  // the default port spelt out names the same URLs
  expect((await get(tls, discovery, { ...proxied, 'x-forwarded-host': 'id.example.test:443' })).status).toBe(200);

  const refused = [
    { ...proxied, 'x-forwarded-host': 'evil.example' },
    { ...proxied, 'x-forwarded-host': 'evil.example, id.example.test' },
    { ...proxied, host: 'evil.example', 'x-forwarded-host': 'evil.example' },
    // a downgrade: discovery would name http:// endpoints for a cache to keep
    { ...proxied, 'x-forwarded-proto': 'http' },
    { ...proxied, 'x-forwarded-host': 'id.example.test:8443' },
  ];
  for (const headers of refused) {
    const answer = await get(tls, discovery, headers);
    expect([headers, answer.status, answer.body.includes('evil'), answer.cacheControl]).toEqual([headers, 421, false, 'no-store']);
  }
});
