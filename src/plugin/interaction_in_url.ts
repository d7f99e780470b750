import type { HostRequest } from './stepup.ts';

/**
 * The interaction uid a request's URL names under `${basePath}/interaction/`, or undefined
 * when the URL is not there. oidc-provider reads the interaction from its cookie alone; a
 * host's own handler must still be refused an interaction other than the one its URL names.
 */
export function interactionInUrl(url: string, basePath: string): string | undefined {
  const path = url.split(/[?#]/, 1)[0] ?? '';
  const prefix = `${basePath}/interaction/`;
  if (!path.startsWith(prefix)) return undefined;
  return path.slice(prefix.length).split('/', 1)[0] || undefined;
}

/** The URL as the browser asked for it: Koa's and Express's originalUrl survive mounting, Node's url does not. */
export function originalUrlOf(request: HostRequest): string {
  if ('cookies' in request) return request.originalUrl;
  return (request.req as { originalUrl?: string }).originalUrl ?? request.req.url ?? '';
}
