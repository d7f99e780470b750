/** Path segments that are secrets themselves: a password-reset link's token. */
const secretSegments = [/^(\/password-reset\/)[^/]+/];

/**
 * The path as logs and metric labels may show it: a secret carried in the path is replaced
 * by a placeholder, so a log reader cannot use the link (the query string is never logged).
 */
export function redactPath(path: string): string {
  return secretSegments.reduce((redacted, pattern) => redacted.replace(pattern, '$1[redacted]'), path);
}
