import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser as Chromium } from 'playwright-core';
import { darkAccentOf } from '../src/model/branding.ts';
import { Browser } from './support/browser.ts';
import { describeInChromium, launchChromium } from './support/chromium.ts';
import { runStepupCli } from './support/cli.ts';
import { addClient, getClient } from './support/clients.ts';
import { type RelyingParty, relyingParty } from './support/relying_party.ts';
import { type RunningStepup, startStepup } from './support/stepup.ts';

/**
 * An application's look on its sign-in pages: its name and logo (uploaded, or an https URL let
 * into that page's CSP alone), its accent colour in both schemes, its support link, over the
 * deployment's theme; every value checked where an admin sets it.
 */
const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64');
const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>');
const TOKEN = 'branding-admin-token-0123456789abcdef';

let stepup: RunningStepup;
let harbor: RelyingParty;
let plain: RelyingParty;
let linked: RelyingParty;

beforeAll(async () => {
  stepup = await startStepup({ ADMIN_TOKEN: TOKEN }, { theme: { footerLinks: [{ text: 'Privacy', href: 'https://stepup.example/privacy' }] } });
  harbor = await relyingParty(stepup, {
    name: 'Harbor Tickets',
    logoImage: png.toString('base64'),
    accentColor: '#0b5394',
    supportUri: 'mailto:help@harbor.example',
  });
  plain = await relyingParty(stepup, { name: 'Plain App' });
  linked = await relyingParty(stepup, { name: 'Linked Logo', logoUri: 'https://cdn.harbor.example/logo.png' });
});
afterAll(() => stepup.stop());

async function loginPageOf(app: RelyingParty) {
  const browser = new Browser(stepup.issuer);
  await browser.open((await app.authorize()).url);
  return browser.page.html;
}

async function api(method: string, path: string, body?: unknown) {
  const response = await fetch(`${stepup.issuer}/admin/api/v1${path}`, {
    method,
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('an application branded by its admin', () => {
  test("its pages show its name, logo, accent and support link; another application's do not", async () => {
    const html = await loginPageOf(harbor);
    expect(html).toContain(`<img class="brand-logo" src="data:image/png;base64,${png.toString('base64')}"`);
    expect(html).toMatch(/<p class="brand">.*<span>Harbor Tickets<\/span><\/p>/);
    expect(html).toMatch(/accent\.css\?light=0b5394&amp;dark=[0-9a-f]{6}/);
    expect(html).toContain('<a href="mailto:help@harbor.example" id="support-link">');
    expect(html).toContain('<a href="https://stepup.example/privacy">Privacy</a>');

    const other = await loginPageOf(plain);
    expect(other).not.toContain('brand-logo');
    expect(other).not.toContain('accent.css');
    expect(other).not.toContain('support-link');
    expect(other).toContain('<span>Plain App</span>');
  });

  test("a logo at an https URL is let into its own page's CSP, and no other", async () => {
    // the authorization's redirect to the sign-in page, with the interaction cookie it sets
    const page = async (app: RelyingParty) => {
      const started = await fetch((await app.authorize()).url, { redirect: 'manual' });
      const cookie = started.headers
        .getSetCookie()
        .map((line) => line.split(';')[0])
        .join('; ');
      const response = await fetch(new URL(started.headers.get('location')!, stepup.issuer), { headers: { cookie } });
      return { csp: response.headers.get('content-security-policy') ?? '', html: await response.text() };
    };
    const withLogo = await page(linked);
    expect(withLogo.html).toContain('<img class="brand-logo" src="https://cdn.harbor.example/logo.png"');
    expect(withLogo.csp).toMatch(/img-src 'self' data: https:\/\/cdn\.harbor\.example(;|$)/);
    expect((await page(plain)).csp).toMatch(/img-src 'self' data:(;|$)/);
  });

  test('the accent stylesheet is made of checked colours only', async () => {
    const good = await fetch(`${stepup.issuer}/assets/accent.css?light=0b5394&dark=8ab4f8`);
    expect(good.headers.get('content-type')).toContain('text/css');
    expect(await good.text()).toContain('--accent: light-dark(#0b5394, #8ab4f8)');
    const injected = await fetch(`${stepup.issuer}/assets/accent.css?light=${encodeURIComponent('000;}body{display:none')}&dark=8ab4f8`);
    expect(injected.status).toBe(404);
  });

  test('the admin API refuses an unsafe image, an http logo and a faint accent, with the reason, and changes nothing', async () => {
    const before = await getClient(stepup.container, harbor.clientId);
    const refusals = [
      [{ logoImage: svg.toString('base64') }, 'SVG and other formats are refused'],
      [{ logoUri: 'http://cdn.harbor.example/logo.png' }, 'must be an https:// URL'],
      [{ accentColor: '#ffff00' }, 'must stand at least 4.5:1 against white'],
      [{ supportUri: 'javascript:alert(1)' }, 'must be an https:// or mailto: link'],
    ] as const;
    for (const [change, reason] of refusals) {
      const answer = await api('PATCH', `/clients/${harbor.clientId}`, change);
      expect(answer.status).toBe(400);
      expect(JSON.stringify(answer.body)).toContain(reason);
    }
    expect(await getClient(stepup.container, harbor.clientId)).toEqual(before);
    const changed = await api('PATCH', `/clients/${harbor.clientId}`, { accentColor: '#7A1F5C' });
    expect(changed.body).toMatchObject({ accent_color: '#7a1f5c', logo_image: true, support_uri: 'mailto:help@harbor.example' });
  });

  test('the CLI uploads a logo file and refuses an SVG one, saying why', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'stepup-brand-cli-'));
    try {
      writeFileSync(join(dataDir, 'logo.png'), png);
      writeFileSync(join(dataDir, 'logo.svg'), svg);
      const env = { DATA_DIR: dataDir };
      const refused = runStepupCli(env, [
        'client',
        'add',
        '--name',
        'Evil',
        '--redirect-uri',
        'https://evil.example/cb',
        '--logo-file',
        join(dataDir, 'logo.svg'),
      ]);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain('logoImage: must be a PNG, JPEG or GIF image');
      const added = runStepupCli(env, [
        'client',
        'add',
        '--name',
        'Harbor',
        '--redirect-uri',
        'https://harbor.example/cb',
        '--logo-file',
        join(dataDir, 'logo.png'),
        '--accent-color',
        '#0b5394',
        '--json',
      ]);
      expect(added.code).toBe(0);
      const client = JSON.parse(added.stdout) as { client_id: string; logo_image: boolean; accent_color: string };
      expect(client).toMatchObject({ logo_image: true, accent_color: '#0b5394' });
      const cleared = runStepupCli(env, ['client', 'update', client.client_id, '--logo-file', 'none', '--accent-color', 'none', '--json']);
      expect(JSON.parse(cleared.stdout)).toMatchObject({ logo_image: false, accent_color: null });
      const listed = runStepupCli(env, ['client', 'list', '--json']);
      expect(listed.stdout).not.toContain('Evil');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('the admin services refuse a faint accent whatever the surface', async () => {
    await expect(addClient(stepup.container, { name: 'Faint', redirectUris: ['https://faint.example/cb'], accentColor: '#eeeeee' })).rejects.toThrow(
      'accentColor: must stand at least 4.5:1 against white',
    );
  });
});

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

describeInChromium('a branded page in Chromium')('a branded page in Chromium', () => {
  let chromium: Chromium;
  let shown: RelyingParty;
  beforeAll(async () => {
    chromium = await launchChromium();
    shown = await relyingParty(stepup, {
      name: 'Harbor Tickets',
      logoImage: png.toString('base64'),
      accentColor: '#0b5394',
      supportUri: 'https://harbor.example/help',
    });
  });
  afterAll(() => chromium?.close());

  test.each(['light', 'dark'] as const)('in the %s scheme: the accent applies and axe finds no violation', async (colorScheme) => {
    const context = await chromium.newContext({ colorScheme, bypassCSP: true });
    const page = await context.newPage();
    await page.goto((await shown.authorize()).url);
    const accent = await page.evaluate("getComputedStyle(document.querySelector('button[type=submit]')).backgroundColor");
    const hex = colorScheme === 'light' ? '#0b5394' : darkAccentOf('#0b5394');
    expect(accent).toBe(`rgb(${[1, 3, 5].map((at) => Number.parseInt(hex.slice(at, at + 2), 16)).join(', ')})`);
    await page.evaluate(axeSource);
    const violations = await page.evaluate(async () => {
      const axe = (globalThis as unknown as { axe: { run(options: object): Promise<{ violations: { id: string }[] }> } }).axe;
      const { violations } = await axe.run({ runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } });
      return violations.map((violation) => violation.id);
    });
    expect(violations).toEqual([]);
    await context.close();
  });
});
