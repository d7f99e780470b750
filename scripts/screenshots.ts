// Takes the README's screenshots of the sign-in page with Chromium: three languages (Arabic
// right to left), a branded application, dark mode. Run: node scripts/screenshots.ts
// (the switcher names 日本語: without a Japanese font, e.g. fonts-ipafont-gothic, it shows boxes)
import { join } from 'node:path';
import { launchChromium } from '../test/support/chromium.ts';
import { relyingParty } from '../test/support/relying_party.ts';
import { startStepup } from '../test/support/stepup.ts';

const out = join(import.meta.dirname, '..', 'docs', 'screenshots');

const stepup = await startStepup();
const chromium = await launchChromium();
try {
  // the application's logo: a 40 px badge, drawn and photographed by Chromium itself
  const drawing = await chromium.newPage({ viewport: { width: 40, height: 40 } });
  await drawing.setContent(
    '<body style="margin:0"><div style="width:40px;height:40px;background:#0b5394;border-radius:8px;color:#fff;font:700 24px sans-serif;display:grid;place-items:center">H</div></body>',
  );
  const logo = await drawing.screenshot({ type: 'png' });
  await drawing.close();
  const plain = await relyingParty(stepup, { name: 'Harbor Tickets' });
  const branded = await relyingParty(stepup, {
    name: 'Harbor Tickets',
    logoImage: logo.toString('base64'),
    accentColor: '#0b5394',
    supportUri: 'mailto:help@harbor.example',
  });
  const shots: { file: string; app: typeof plain; params?: Record<string, string>; colorScheme?: 'light' | 'dark' }[] = [
    { file: 'sign-in-en.png', app: plain, params: { ui_locales: 'en' } },
    { file: 'sign-in-de.png', app: plain, params: { ui_locales: 'de' } },
    { file: 'sign-in-ar.png', app: plain, params: { ui_locales: 'ar' } },
    { file: 'sign-in-branded.png', app: branded },
    { file: 'sign-in-dark.png', app: branded, colorScheme: 'dark' },
  ];
  for (const shot of shots) {
    const context = await chromium.newContext({ colorScheme: shot.colorScheme ?? 'light', viewport: { width: 520, height: 640 } });
    const page = await context.newPage();
    await page.goto((await shot.app.authorize(shot.params)).url);
    await page.screenshot({ path: join(out, shot.file) });
    await context.close();
    console.log(`docs/screenshots/${shot.file}`);
  }
} finally {
  await chromium.close();
  await stepup.stop();
}
