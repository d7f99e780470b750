import Bowser from 'bowser';

/** "Chrome 131" and "Linux" (or null), for a browser we know; null for one we do not. */
export function browserPartsOf(userAgent: string): { name: string; os: string | null } | null {
  const { browser, os } = Bowser.parse(userAgent);
  if (!browser.name) return null;
  const major = browser.version?.split('.')[0];
  return { name: `${browser.name}${major ? ` ${major}` : ''}`, os: os.name ?? null };
}

/** "Chrome 131 on Linux"; a prefix of the raw user agent when it is not a browser we know, `unknown` for none. */
export function browserNameOf(userAgent: string | null, unknown = 'unknown'): string {
  if (!userAgent) return unknown;
  const parts = browserPartsOf(userAgent);
  if (!parts) return userAgent.slice(0, 60);
  return parts.os ? `${parts.name} on ${parts.os}` : parts.name;
}
