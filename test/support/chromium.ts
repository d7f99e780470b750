import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { reportSkip } from './skips.ts';

/** Debian's Chromium (apt-get install chromium), or CHROMIUM_PATH. */
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** `describe` when Chromium is installed; otherwise `describe.skip`, saying why. */
export function describeInChromium(what: string) {
  if (existsSync(executablePath)) return describe;
  reportSkip(what, `no Chromium at ${executablePath} (apt-get install chromium, or set CHROMIUM_PATH)`);
  return describe.skip;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
