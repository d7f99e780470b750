/**
 * Paths that carry a secret, and what a log shows instead: the password reset link's token.
 * Case-insensitive like the router, so every path that reaches the route is covered.
 */
const secretsInPaths: [RegExp, string][] = [[/^\/password-reset\/[^/]+/i, '/password-reset/:token']];

/** The request path as logs may show it: secret segments replaced by their name. */
export function loggablePath(path: string): string {
  return secretsInPaths.reduce((out, [secret, name]) => out.replace(secret, name), path);
}
