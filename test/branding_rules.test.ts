import { accentProblem, brandOf, contrastRatio, darkAccentOf, isLogoDataUrl, linkProblem, logoImageOf, maxLogoBytes } from '../src/model/branding.ts';

/** Branding's rules as tables: contrast, the dark shade, links, and which images are logos. */
const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64');

describe('contrast', () => {
  test.each([
    ['#000000', '#ffffff', 21],
    ['#ffffff', '#ffffff', 1],
    ['#2456c7', '#ffffff', 6.5],
    ['#767676', '#ffffff', 4.54],
  ])('%s on %s is %f:1', (a, b, ratio) => {
    expect(contrastRatio(a, b)).toBeCloseTo(ratio, 1);
  });

  test.each([
    ['#0b5394', null],
    ['#767676', null],
    ['#777777', 'stands 4.48:1'],
    ['#ffff00', 'choose a darker one'],
    ['0b5394', 'must be a colour like #1f6feb'],
    ['#0b539', 'must be a colour like #1f6feb'],
    ['red', 'must be a colour like #1f6feb'],
  ])('accent %s: %s', (color, problem) => {
    const found = accentProblem(color);
    if (problem === null) expect(found).toBeNull();
    else expect(found).toContain(problem);
  });

  test.each(['#0b5394', '#000000', '#2456c7', '#767676', '#7a1f5c'])('the dark shade of %s stands 4.5:1 on the dark page', (color) => {
    expect(contrastRatio(darkAccentOf(color), '#121212')).toBeGreaterThanOrEqual(4.5);
  });
});

describe('links', () => {
  test.each([
    ['https://harbor.example/logo.png', false, null],
    ['http://harbor.example/logo.png', false, 'must be an https:// URL'],
    ['javascript:alert(1)', false, 'must be an https:// URL'],
    ['https://user:pw@harbor.example/', false, 'must be an https:// URL'],
    ['mailto:help@harbor.example', true, null],
    ['mailto:help@harbor.example', false, 'must be an https:// URL'],
    [`https://harbor.example/${'a'.repeat(500)}`, false, 'at most 500 characters'],
  ])('%s (mail allowed: %s): %s', (value, mail, problem) => {
    const found = linkProblem(value, { mail });
    if (problem === null) expect(found).toBeNull();
    else expect(found).toContain(problem);
  });
});

describe('logos', () => {
  test.each([
    ['a PNG', png, 'data:image/png;base64,'],
    ['a JPEG', Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2]), 'data:image/jpeg;base64,'],
    ['a GIF', Buffer.from('GIF89a....'), 'data:image/gif;base64,'],
    ['an SVG', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'), 'SVG and other formats are refused'],
    ['HTML', Buffer.from('<html><script>alert(1)</script>'), 'must be a PNG, JPEG or GIF'],
    ['nothing', Buffer.alloc(0), 'is empty'],
    ['a PNG too large', Buffer.concat([png, Buffer.alloc(maxLogoBytes)]), `at most ${maxLogoBytes}`],
  ])('%s', (_, bytes, expected) => {
    const logo = logoImageOf(bytes);
    if ('dataUrl' in logo) expect(logo.dataUrl.startsWith(expected)).toBe(true);
    else expect(logo.problem).toContain(expected);
  });

  test('only a data: URL a check made is a stored logo', () => {
    const made = logoImageOf(png);
    expect('dataUrl' in made && isLogoDataUrl(made.dataUrl)).toBe(true);
    expect(isLogoDataUrl(`data:image/svg+xml;base64,${Buffer.from('<svg/>').toString('base64')}`)).toBe(false);
    expect(isLogoDataUrl(`data:image/png;base64,${Buffer.from('<svg/>').toString('base64')}`)).toBe(false);
  });
});

describe('brandOf', () => {
  const theme = { accentColor: '#2456c7', logoUri: 'https://stepup.example/logo.png', footerLinks: [] };
  test.each<[string, Record<string, unknown>, object]>([
    [
      'nothing of its own: the theme',
      {},
      { logo: 'https://stepup.example/logo.png', accent: { light: '#2456c7', dark: darkAccentOf('#2456c7') }, supportUri: null },
    ],
    [
      'its own logo and accent',
      { logo_uri: 'https://harbor.example/l.png', accent_color: '#0b5394', support_uri: 'mailto:help@harbor.example' },
      { logo: 'https://harbor.example/l.png', accent: { light: '#0b5394', dark: darkAccentOf('#0b5394') }, supportUri: 'mailto:help@harbor.example' },
    ],
    [
      'a stored value that breaks the rules is ignored',
      { logo_uri: 'http://harbor.example/l.png', accent_color: '#ffff00', support_uri: 'javascript:x' },
      { logo: theme.logoUri, accent: { light: '#2456c7', dark: darkAccentOf('#2456c7') }, supportUri: null },
    ],
  ])('%s', (_, metadata, brand) => {
    expect(brandOf(metadata, theme)).toEqual(brand);
  });
});
