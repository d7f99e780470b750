import type { Middleware } from 'koa';
import { AppError } from '../errors.ts';
import { isProviderPath } from './provider.ts';

const defaultPorts: Record<string, string> = { 'http:': '80', 'https:': '443' };

/**
 * oidc-provider builds every endpoint URL (discovery, the token endpoint a client assertion
 * names, DPoP's htu) from the request's scheme and host, X-Forwarded-* included behind a
 * trusted proxy. A request that names another host would have discovery name the attacker's
 * endpoints, for a shared cache to hand to every application; so oidc-provider only hears
 * requests for the issuer's own origin, and anything else is 421 Misdirected Request. Our
 * own routes build no URL from the request, and /healthz must answer a probe by any address.
 */
export function issuerHostOnly(issuer: string): Middleware {
  const url = new URL(issuer);
  const scheme = url.protocol.slice(0, -1);
  // the default port may be spelt out (id.example.com:443): the URLs come out the same
  const hosts = new Set([url.host, url.port ? url.host : `${url.hostname}:${defaultPorts[url.protocol]}`]);
  return async (ctx, next) => {
    if (isProviderPath(ctx.path) && !(ctx.protocol === scheme && hosts.has(ctx.host.toLowerCase()))) {
      throw new AppError(421, 'misdirected_request', `This server answers for ${url.origin} only.`);
    }
    await next();
  };
}
