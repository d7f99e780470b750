/**
 * The client metadata `allowed_resources`: the APIs (resource indicators, RFC 8707) a client
 * may ask for, each with the scopes it may ask for there, e.g.
 * `{"https://payroll.example": ["payroll:read"]}`. Only admins set it; a client without it may
 * ask for no API, so "Allow" on a consent page never hands out an API the admins did not give.
 */
export type AllowedResources = Record<string, string[]>;

const scopeToken = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

const isAllowedResources = (value: unknown): value is AllowedResources =>
  typeof value === 'object' &&
  value !== null &&
  !Array.isArray(value) &&
  Object.values(value).every((scopes) => Array.isArray(scopes) && scopes.every((scope) => typeof scope === 'string' && scopeToken.test(scope)));

/** The client's allowed APIs; none when it has no list. */
export function allowedResourcesOf(client: object): AllowedResources {
  const value = (client as Record<string, unknown>).allowed_resources;
  return isAllowedResources(value) ? value : {};
}

/** The scopes the client may ask for at `resource`; undefined when it may not ask for that API at all. */
export function allowedScopesAt(client: object, resource: string): string[] | undefined {
  const allowed = allowedResourcesOf(client);
  return Object.hasOwn(allowed, resource) ? allowed[resource] : undefined;
}

/** Throws unless `value` is an object of http(s) URLs, each with a list of scope tokens. */
export function checkAllowedResources(value: unknown): void {
  if (!isAllowedResources(value)) throw new TypeError('allowed_resources must map API URLs to lists of scopes');
  for (const resource of Object.keys(value)) {
    if (!/^https?:\/\/[^#]+$/.test(resource) || !URL.canParse(resource)) throw new TypeError(`allowed_resources: ${resource} is not an http(s) URL`);
  }
}
