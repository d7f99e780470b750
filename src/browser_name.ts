import Bowser from 'bowser';

/** "Chrome 131 on Linux"; a prefix of the raw user agent when it is not a browser we know, `unknown` for none. */
export function browserNameOf(userAgent: string | null, unknown = 'unknown'): string {
  if (!userAgent) return unknown;
  const { browser, os } = Bowser.parse(userAgent);
  if (!browser.name) return userAgent.slice(0, 60);
  const major = browser.version?.split('.')[0];
  return `${browser.name}${major ? ` ${major}` : ''}${os.name ? ` on ${os.name}` : ''}`;
}
