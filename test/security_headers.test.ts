import { startStepup } from './support/stepup.ts';

const headersOf = async (url: string) => (await fetch(url)).headers;

test("every response, oidc-provider's included, carries the security headers; HSTS only behind https", async () => {
  const plain = await startStepup();
  try {
    for (const path of ['/healthz', '/.well-known/openid-configuration', '/interaction/none', '/auth?client_id=nope']) {
      const headers = await headersOf(`${plain.issuer}${path}`);
      expect([path, headers.get('x-content-type-options'), headers.get('x-frame-options'), headers.get('referrer-policy')]).toEqual([
        path,
        'nosniff',
        'DENY',
        'no-referrer',
      ]);
      expect(headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(headers.get('strict-transport-security')).toBeNull();
    }
  } finally {
    await plain.stop();
  }

  // behind a TLS terminator the issuer is https even though the test talks plain http to the app
  const tls = await startStepup({ ISSUER: 'https://id.example.com', TRUST_PROXY: 'true' });
  try {
    const headers = await headersOf(`http://${new URL(tls.issuer).host}/healthz`);
    expect(headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
  } finally {
    await tls.stop();
  }
});
