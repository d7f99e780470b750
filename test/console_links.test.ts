import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser as Chromium, Page } from 'playwright-core';
import { describeInChromium, launchChromium } from './support/chromium.ts';
import { signInWithEmailCode as signInWithEmailCodeIn } from './support/passkey_browser.ts';
import { PASSWORD } from './support/people.ts';
import { type RunningStepup, startStepup } from './support/stepup.ts';

// The console's session cookie is SameSite=Strict: a navigation that another site started
// (a link in mail, chat or a ticket) arrives without it. These tests follow such a link.

const maybe = describeInChromium('console link tests');
const adminEmail = 'admin@example.com';
const otherAdminEmail = 'other.admin@example.com';

let stepup: RunningStepup;
let chromiumBrowser: Chromium;
/** A page on another site: Stepup is named `localhost`, this page `127.0.0.1`. */
let otherSite: Server;
let otherSiteUrl: string;
/** The id of every console session started, read off the store's writes. */
const consoleSessionIds = new Set<string>();

const signInWithEmailCode = (page: Page, email: string) => signInWithEmailCodeIn(stepup, page, email);

/** Every request the page makes, and every navigation that failed (ERR_TOO_MANY_REDIRECTS among them). */
function watch(page: Page) {
  const paths: string[] = [];
  const failures: string[] = [];
  page.on('request', (r) => {
    const url = new URL(r.url());
    if (url.origin === stepup.issuer) paths.push(url.pathname);
  });
  page.on('requestfailed', (r) => failures.push(`${r.url()}: ${r.failure()?.errorText}`));
  return { paths, failures, count: (path: string) => paths.filter((p) => p === path).length };
}

/** Opens the other site's page and clicks its link to the console's client list. */
async function followLinkFromOtherSite(page: Page) {
  await page.goto(otherSiteUrl);
  await page.getByRole('link', { name: 'The client list in Stepup' }).click();
}

maybe('links to the admin console from another site', () => {
  beforeAll(async () => {
    stepup = await startStepup({}, undefined, { hostname: 'localhost' });
    const records = stepup.container.store.records;
    const upsert = records.upsert.bind(records);
    records.upsert = (kind, id, ...rest) => {
      if (kind === 'ConsoleSession') consoleSessionIds.add(id);
      return upsert(kind, id, ...rest);
    };
    for (const email of [adminEmail, otherAdminEmail]) {
      await stepup.container.userAdmin.add({ email, password: PASSWORD, emailCode: true });
      await stepup.container.userAdmin.update(email, { roles: ['admin'] });
    }
    const html = `<!doctype html><title>Ticket</title><p><a href="${stepup.issuer}/admin/clients">The client list in Stepup</a></p>`;
    otherSite = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(html));
    await new Promise<void>((resolve) => otherSite.listen(0, '127.0.0.1', resolve));
    otherSiteUrl = `http://127.0.0.1:${(otherSite.address() as AddressInfo).port}/ticket`;
    chromiumBrowser = await launchChromium();
  });
  afterAll(async () => {
    await chromiumBrowser?.close();
    await new Promise((resolve) => otherSite?.close(resolve));
    await stepup?.stop();
  });

  test('a signed-in admin who follows a link from another site lands on the page, in the same console session', async () => {
    const context = await chromiumBrowser.newContext();
    const page = await context.newPage();
    await page.goto(`${stepup.issuer}/admin`);
    await signInWithEmailCode(page, adminEmail);
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    const sessionsBefore = consoleSessionIds.size;
    expect(sessionsBefore).toBeGreaterThan(0);

    const seen = watch(page);
    await followLinkFromOtherSite(page);
    await page.getByRole('heading', { name: 'Client applications' }).waitFor({ timeout: 10_000 });
    expect(page.url()).toBe(`${stepup.issuer}/admin/clients`);
    expect(seen.failures).toEqual([]);
    // the link's request came without the cookie, the page's refresh with it: no sign-in started
    expect(seen.count('/admin/clients')).toBe(2);
    expect(seen.count('/auth')).toBe(0);
    expect(seen.count('/admin/callback')).toBe(0);
    expect(consoleSessionIds.size).toBe(sessionsBefore);

    // and a second click: still the same session
    await followLinkFromOtherSite(page);
    await page.getByRole('heading', { name: 'Client applications' }).waitFor({ timeout: 10_000 });
    expect(seen.count('/auth')).toBe(0);
    expect(consoleSessionIds.size).toBe(sessionsBefore);
    await context.close();
  });

  test('a signed-out admin who follows the link signs in once and lands on the page', async () => {
    const context = await chromiumBrowser.newContext();
    const page = await context.newPage();
    const sessionsBefore = consoleSessionIds.size;
    const seen = watch(page);
    await followLinkFromOtherSite(page);
    await signInWithEmailCode(page, otherAdminEmail);
    await page.getByRole('heading', { name: 'Client applications' }).waitFor({ timeout: 10_000 });
    expect(page.url()).toBe(`${stepup.issuer}/admin/clients`);
    expect(seen.failures).toEqual([]);
    expect(seen.count('/auth')).toBe(1);
    expect(seen.count('/admin/callback')).toBe(1);
    expect(consoleSessionIds.size).toBe(sessionsBefore + 1);
    await context.close();
  });

  test('the page between answers a cross-site link: no-store, no cookie, no script, and only to a console page of this site', async () => {
    const { port } = new URL(stepup.issuer);
    const send = (target: string, method = 'GET') =>
      new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>((resolve, reject) => {
        const headers = { host: `localhost:${port}`, 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate' };
        const req = request({ host: '127.0.0.1', port, method, path: target, headers }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (body += chunk));
          res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
        });
        req.on('error', reject);
        req.end();
      });
    /** Where the page sends the browser, checked against its link: a path on this site. */
    const refreshTarget = (page: { headers: Record<string, string | string[] | undefined>; body: string }) => {
      const to = /^0;url=(.+)$/.exec(String(page.headers.refresh))![1]!;
      expect(page.body).toContain(`<a class="button" href="${to.replaceAll('&', '&amp;')}">Open the admin console</a>`);
      expect(new URL(to, stepup.issuer).origin).toBe(stepup.issuer);
      return to;
    };

    const page = await send('/admin/clients?range=24h&q=a');
    expect(page.status).toBe(200);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.headers['set-cookie']).toBeUndefined();
    expect(page.body).not.toContain('<script');
    expect(refreshTarget(page)).toBe('/admin/clients?range=24h&q=a');

    // a request line naming another host, or odd paths and queries, still lead to a console page of this site
    expect(refreshTarget(await send('http://evil.example/admin/clients'))).toBe('/admin/clients');
    expect(refreshTarget(await send('/admin/clients?q="><script>'))).toBe('/admin/clients?q=%22%3E%3Cscript%3E');
    expect(refreshTarget(await send('/admin/people/\\evil.example'))).toMatch(/^\/admin\/people\//);

    // a form posted from another site gets no such page: it starts a sign-in, as before
    const post = await send('/admin/clients', 'POST');
    expect(post.status).toBe(303);
    expect(post.headers.location).toMatch(/^\/auth\?/);
  });
});
