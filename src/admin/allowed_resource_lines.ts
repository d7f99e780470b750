import type { AllowedResources } from '../oidc/allowed_resources.ts';

// The CLI and the console write a client's allowed APIs one a line or flag: its URL, then its
// scopes, space-separated. Apart from the schema, so that the CLI's start loads no zod.

/** One API a line, "URL scope scope", into the admin services' input. */
export function allowedResourcesFromLines(lines: string[]): AllowedResources {
  // a Map, then own properties: a line naming __proto__ is refused by the schema, never merged into a prototype
  const allowed = new Map<string, string[]>();
  for (const line of lines) {
    const [url, ...scopes] = line.trim().split(/\s+/);
    if (url) allowed.set(url, [...new Set([...(allowed.get(url) ?? []), ...scopes])]);
  }
  return Object.fromEntries(allowed);
}

/** The other way: one "URL scope scope" line per API. */
export const linesOfAllowedResources = (allowed: AllowedResources): string[] => Object.entries(allowed).map(([url, scopes]) => [url, ...scopes].join(' '));
