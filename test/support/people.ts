import { generate } from 'otplib';
import { Browser } from './browser.ts';
import { waitForMessage } from './outbox.ts';
import type { RunningStepup } from './stepup.ts';

export const PASSWORD = 'correct horse battery staple';

export async function createPerson(stepup: RunningStepup, email = `person-${Math.random().toString(36).slice(2)}@example.com`) {
  await stepup.container.userAdmin.add({ email, password: PASSWORD });
  return { email, password: PASSWORD };
}

/** Plays the authenticator app: the code for the test clock's current time step. */
export function totpCode(stepup: RunningStepup, secret: string): Promise<string> {
  return generate({ secret, epoch: Math.floor(stepup.clock.now() / 1000) });
}

/** Moves to the next 30 s time step, so a new code is not a replay of the last one. */
export function nextTimeStep(stepup: RunningStepup) {
  stepup.clock.advance(30_000);
}

export interface Enrolled {
  email: string;
  password: string;
  secret: string;
  recoveryCodes: string[];
}

/**
 * Signs a new person in for the first time through `url`: password, TOTP enrolment,
 * recovery codes; leaves the browser at the relying party's callback. A new person unless given.
 */
export async function enrolThroughSignIn(stepup: RunningStepup, browser: Browser, url: string, given?: { email: string; password: string }): Promise<Enrolled> {
  const person = given ?? (await createPerson(stepup));
  await browser.open(url);
  await browser.submit('/login', { email: person.email, password: person.password });
  // the first sign-in offers a choice of second factor: take the authenticator app
  if (browser.page.url.endsWith('/enrol')) await browser.open(browser.page.url.replace(/\/enrol$/, '/enrol/totp'));
  const secret = browser.textOf('totp-secret');
  if (!secret) throw new Error(`expected the TOTP enrolment page, got ${browser.page.url}:\n${browser.page.html}`);
  await browser.submit('/enrol/totp', { code: await totpCode(stepup, secret) });
  const recoveryCodes = [...browser.page.html.matchAll(/<li><code>([^<]+)<\/code><\/li>/g)].map((m) => m[1]!);
  await continueFromRecoveryCodes(browser);
  nextTimeStep(stepup);
  return { ...person, secret, recoveryCodes };
}

/** Follows "I have saved my codes — continue" on the recovery codes page. */
export async function continueFromRecoveryCodes(browser: Browser) {
  const next = /<a class="button" href="([^"]+)"/.exec(browser.page.html)?.[1];
  if (!next) throw new Error(`expected the recovery codes page:\n${browser.page.html}`);
  await browser.open(next.replace(/&amp;/g, '&'));
}

/** Password then TOTP, for someone already enrolled. */
export async function signIn(stepup: RunningStepup, browser: Browser, url: string, person: Enrolled) {
  await browser.open(url);
  await browser.submit('/login', { email: person.email, password: person.password });
  await browser.submit('/second-factor', { code: await totpCode(stepup, person.secret) });
  nextTimeStep(stepup);
}

/**
 * Asks for a password reset by email, opens the mailed link and sets `password`: how a person
 * who signs in with an authenticator app proves the email is theirs. Answers the reset page's status.
 */
export async function resetPasswordByEmail(stepup: RunningStepup, email: string, password: string): Promise<number> {
  const browser = new Browser(stepup.issuer);
  await browser.open('/password-reset');
  await browser.submit('/password-reset', { email });
  const link = /(http:\/\/\S+\/password-reset\/[\w-]+)/.exec((await waitForMessage(stepup, email, 'reset your password')).text)![1]!;
  await browser.open(link);
  await browser.submit(link.slice(stepup.issuer.length), { password, confirm: password });
  return browser.page.status;
}

/** A new person with the admin role, enrolled with an authenticator app by signing in to the console; the browser holds the console session. */
export async function adminInConsole(stepup: RunningStepup, browser = new Browser(stepup.issuer)): Promise<{ admin: Enrolled; browser: Browser }> {
  const person = await createPerson(stepup);
  await stepup.container.userAdmin.update(person.email, { roles: ['admin'] });
  const admin = await enrolThroughSignIn(stepup, browser, '/admin', person);
  return { admin, browser };
}
