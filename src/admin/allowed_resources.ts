import { z } from 'zod';
import type { Config } from '../config/schema.ts';
import type { AllowedResources } from '../oidc/allowed_resources.ts';

/**
 * A client's `allowedResources` as admins give it: each API (its resource indicator, as
 * registered in `resourceServers`) with the scopes the client may ask for there. The CLI and
 * the console write one API a line or flag (allowed_resource_lines.ts).
 */
export const allowedResourcesSchema = z
  .record(
    z
      .string()
      .max(2000)
      .regex(/^https?:\/\/[^\s#]+$/, "must be an API's URL (http or https, no #fragment)"),
    z.array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]{1,200}$/, 'must be a scope token (no spaces or quotes)')).max(100),
  )
  .refine((allowed) => Object.keys(allowed).length <= 50, 'at most 50 APIs')
  .describe(
    'the APIs (resource indicators registered in resourceServers) the client may ask for, each with the scopes it may ask for there; other APIs get invalid_target, other scopes are left out',
  );

/** What is wrong with `allowed` against the APIs registered in the configuration; empty when nothing is. */
export function unregisteredIn(allowed: AllowedResources, servers: Config['resourceServers']): string[] {
  return Object.entries(allowed).flatMap(([url, scopes]) => {
    const server = Object.hasOwn(servers, url) ? servers[url] : undefined;
    if (!server) return [`${url} is not a registered resource server`];
    const unknown = scopes.filter((scope) => !server.scopes.includes(scope));
    return unknown.length ? [`${url} has no scope ${unknown.join(', ')}`] : [];
  });
}
