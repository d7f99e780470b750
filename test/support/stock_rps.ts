import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { describeInChromium } from './chromium.ts';
import { type Enrolled, nextTimeStep, totpCode } from './people.ts';
import { reportSkip } from './skips.ts';
import type { RunningStepup } from './stepup.ts';

/**
 * Where scripts/install_stock_rps.sh puts the stock relying parties the tests run
 * (STEPUP_STOCK_RPS, or ~/.cache/stepup-stock-rps).
 */
const home = process.env.STEPUP_STOCK_RPS ?? join(homedir(), '.cache', 'stepup-stock-rps');

/** The Python of the virtual environment holding Authlib and Flask. */
export const authlibPython = join(home, 'venv', 'bin', 'python');
export const authlibApp = resolve(import.meta.dirname, '../stock_rps/authlib/app.py');
export const oauth2ProxyBinary = join(home, 'bin', 'oauth2-proxy');
export const goOidcBinary = join(home, 'bin', 'go-oidc-rp');

/** `describe` when `tool` is installed and Chromium too; otherwise `describe.skip`, saying why. */
export function describeWithStockRp(what: string, tool: string) {
  if (existsSync(tool)) return describeInChromium(what);
  reportSkip(what, `no ${tool} (run scripts/install_stock_rps.sh)`);
  return describe.skip;
}

/** In Chromium at Stepup's login page: password, then a code from the person's authenticator app. */
export async function signInInChromium(page: Page, stepup: RunningStepup, person: Enrolled) {
  await page.getByLabel('Email').fill(person.email);
  await page.getByLabel('Password').fill(person.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('heading', { name: 'Confirm it is you' }).waitFor();
  await page.getByLabel('Authenticator app').fill(await totpCode(stepup, person.secret));
  // The clock moves on only once Stepup has checked the code: moved before, a real time step
  // passing meanwhile put the check two steps past the code, outside the drift window.
  const checked = page.waitForResponse((response) => response.request().method() === 'POST' && new URL(response.url()).pathname.endsWith('/second-factor'));
  await page.getByRole('button', { name: 'Continue' }).click();
  await checked;
  nextTimeStep(stepup);
}
