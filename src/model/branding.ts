/**
 * An application's look on the sign-in pages: its logo, accent colour and support link, over
 * the deployment's theme. Pure rules: what is accepted, and the colours each scheme gets.
 */

/** What the pages show of an application (or of the deployment, when none is named). */
export interface Brand {
  /** the logo's source: an https URL, or a data: URL of a small image an admin uploaded */
  logo: string | null;
  /** light and dark accents, each at least 4.5:1 against its scheme's page and its text */
  accent: { light: string; dark: string } | null;
  supportUri: string | null;
}

/** The deployment's theme (config `theme`), under every application's own choices. */
export interface Theme {
  accentColor?: string;
  logoUri?: string;
  footerLinks: { text: string; href: string }[];
}

/** Largest uploaded logo, in bytes: it travels inside every page of the application as a data: URL. */
export const maxLogoBytes = 32 * 1024;

/** WCAG 2.2's minimum for text: the accent is the colour of links and of button backgrounds. */
const minContrast = 4.5;
const lightPage = '#ffffff';
/** Chromium's dark Canvas; the stylesheet's text on a dark accent is near black too */
const darkPage = '#121212';

const hex = /^#[0-9a-f]{6}$/i;

function channels(color: string): [number, number, number] {
  return [1, 3, 5].map((at) => Number.parseInt(color.slice(at, at + 2), 16)) as [number, number, number];
}

/** WCAG relative luminance of `#rrggbb`. */
function luminance(color: string): number {
  const [r, g, b] = channels(color).map((value) => {
    const c = value / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG contrast ratio of two `#rrggbb` colours, 1 to 21. */
export function contrastRatio(a: string, b: string): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (light + 0.05) / (dark + 0.05);
}

/**
 * Why an accent colour is refused, or null: it must be `#rrggbb` and stand at least 4.5:1
 * against a white page (links) and under white text (buttons), which is the same ratio.
 */
export function accentProblem(color: unknown): string | null {
  if (typeof color !== 'string' || !hex.test(color)) return 'must be a colour like #1f6feb';
  const ratio = contrastRatio(color, lightPage);
  if (ratio < minContrast)
    return `must stand at least ${minContrast}:1 against white (links and buttons use it); ${color} stands ${ratio.toFixed(2)}:1: choose a darker one`;
  return null;
}

/** The accent for dark pages: the colour mixed with white until it stands 4.5:1 against the dark page. */
export function darkAccentOf(color: string): string {
  const [r, g, b] = channels(color);
  for (let step = 0; step <= 20; step += 1) {
    const mix = (value: number) => Math.round(value + ((255 - value) * step) / 20);
    const candidate = `#${[mix(r), mix(g), mix(b)].map((value) => value.toString(16).padStart(2, '0')).join('')}`;
    if (contrastRatio(candidate, darkPage) >= minContrast) return candidate;
  }
  return '#ffffff';
}

/** Why a link is refused, or null: https only (`mailto:` too when `mail`), at most 500 characters. */
export function linkProblem(value: unknown, { mail = false } = {}): string | null {
  const allowed = mail ? 'an https:// or mailto: link' : 'an https:// URL';
  if (typeof value !== 'string' || value.length > 500) return `must be ${allowed} of at most 500 characters`;
  if (mail && /^mailto:[^\s@]+@[^\s@]+$/.test(value)) return null;
  try {
    const url = new URL(value);
    if (url.protocol === 'https:' && !url.username && !url.password) return null;
  } catch {
    // not a URL: refused below
  }
  return `must be ${allowed}`;
}

const imageTypes: { type: string; magic: number[] }[] = [
  { type: 'image/png', magic: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] },
  { type: 'image/jpeg', magic: [0xff, 0xd8, 0xff] },
  { type: 'image/gif', magic: [0x47, 0x49, 0x46, 0x38] },
];

/**
 * An uploaded logo as a data: URL, or why it is refused. Only PNG, JPEG and GIF, recognised by
 * their first bytes, never by a name or a claimed type: an SVG (which can carry script) or
 * anything else is refused, as is a file over `maxLogoBytes`.
 */
export function logoImageOf(bytes: Buffer): { dataUrl: string } | { problem: string } {
  if (bytes.length === 0) return { problem: 'is empty' };
  if (bytes.length > maxLogoBytes) return { problem: `is ${bytes.length} bytes; a logo may have at most ${maxLogoBytes}` };
  const known = imageTypes.find(({ magic }) => magic.every((byte, at) => bytes[at] === byte));
  if (!known) return { problem: 'must be a PNG, JPEG or GIF image (SVG and other formats are refused: they can carry script)' };
  return { dataUrl: `data:${known.type};base64,${bytes.toString('base64')}` };
}

/** Whether a stored logo_image is one `logoImageOf` made. */
export function isLogoDataUrl(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const match = /^data:image\/(?:png|jpeg|gif);base64,([A-Za-z0-9+/]+={0,2})$/.exec(value);
  return match !== null && 'dataUrl' in logoImageOf(Buffer.from(match[1] as string, 'base64'));
}

/**
 * The brand of an application (its metadata: logo_image, logo_uri, accent_color, support_uri)
 * over the theme. oidc-provider's client names its standard fields in camel case (logoUri).
 */
export function brandOf(metadata: Record<string, unknown>, theme: Theme): Brand {
  const logoUri = metadata.logo_uri ?? metadata.logoUri;
  const accentColor = typeof metadata.accent_color === 'string' && !accentProblem(metadata.accent_color) ? metadata.accent_color : theme.accentColor;
  const logo = isLogoDataUrl(metadata.logo_image)
    ? metadata.logo_image
    : typeof logoUri === 'string' && !linkProblem(logoUri)
      ? logoUri
      : (theme.logoUri ?? null);
  const support = typeof metadata.support_uri === 'string' && !linkProblem(metadata.support_uri, { mail: true }) ? metadata.support_uri : null;
  return { logo, accent: accentColor ? { light: accentColor, dark: darkAccentOf(accentColor) } : null, supportUri: support };
}
