import type Koa from 'koa';

/**
 * Behind `hops` proxies, X-Forwarded-* are read and the client's address is the one the
 * outermost proxy appended: koa keeps only the right-most `hops` entries of
 * X-Forwarded-For, so the entries a client writes itself further left are never used.
 */
export function trustForwardedHeaders(app: Koa, hops: number): void {
  app.proxy = hops > 0;
  app.maxIpsCount = hops;
}
