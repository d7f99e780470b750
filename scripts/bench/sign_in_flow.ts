import { createHash, randomBytes } from 'node:crypto';
import { generate } from 'otplib';

/** One benchmark account: its email, and its authenticator's secret (none for the baseline). */
export interface BenchAccount {
  email: string;
  totpSecret: string | null;
  /** the known-browser cookie and its signature, kept so later sign-ins come from a returning browser */
  browserCookies?: string[];
  /** the last TOTP time step used: a step is accepted once */
  lastStep?: number;
}

export interface BenchClient {
  issuer: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  /** where refresh tokens are exchanged, when not at `${issuer}/token` */
  tokenEndpoint?: string;
}

export type Step = 'authorize' | 'login_page' | 'password' | 'second_factor_page' | 'totp' | 'token';

/** Cookies of one sign-in, as a browser would keep them. */
class Jar {
  private readonly cookies = new Map<string, string>();
  constructor(initial: string[] = []) {
    this.store(initial);
  }
  header = () => [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  store(lines: string[]) {
    for (const line of lines) {
      const pair = line.split(';')[0]!;
      const eq = pair.indexOf('=');
      const value = pair.slice(eq + 1);
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) this.cookies.delete(pair.slice(0, eq));
      else this.cookies.set(pair.slice(0, eq), value);
    }
  }
  get = (name: string) => this.cookies.get(name);
}

/** A code request with PKCE (S256) and a random state: its query, and the verifier for the exchange. */
export function authorizationRequest(client: Omit<BenchClient, 'issuer'>, params: Record<string, string>) {
  const verifier = randomBytes(32).toString('base64url');
  const query = new URLSearchParams({
    client_id: client.clientId,
    redirect_uri: client.redirectUri,
    response_type: 'code',
    ...params,
    state: randomBytes(12).toString('base64url'),
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  });
  return { verifier, query };
}

/** `timed(step, work)` runs `work` and reports how long it took as that step's time. */
export const stepTimer =
  (time: (step: Step, ms: number) => void) =>
  async <T>(step: Step, work: () => Promise<T>): Promise<T> => {
    const start = performance.now();
    const result = await work();
    time(step, performance.now() - start);
    return result;
  };

const csrfOf = (html: string) => /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';

/**
 * A complete sign-in over HTTP: authorization request, login page, password, second-factor
 * page and TOTP code (when the server asks), consent if any, and the code exchange with PKCE.
 * Calls `time(step, ms)` for each step; throws on anything unexpected.
 */
export async function signIn(client: BenchClient, account: BenchAccount, time: (step: Step, ms: number) => void, now: () => number) {
  const jar = new Jar(account.browserCookies);
  const send = async (url: string, init: RequestInit = {}) => {
    const response = await fetch(new URL(url, client.issuer), {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string>), cookie: jar.header() },
    });
    jar.store(response.headers.getSetCookie());
    return response;
  };
  /** Follows redirects inside the issuer; answers the final page, or the callback URL. */
  const follow = async (response: Response): Promise<{ url: string; html: string }> => {
    let current = response;
    let url = current.url;
    for (let hops = 0; hops < 10; hops += 1) {
      const location = current.headers.get('location');
      if (current.status < 300 || current.status >= 400 || !location) return { url, html: await current.text() };
      await current.arrayBuffer();
      url = new URL(location, client.issuer).href;
      if (url.startsWith(client.redirectUri)) return { url, html: '' };
      current = await send(url);
    }
    throw new Error('too many redirects');
  };
  const timed = stepTimer(time);
  const form = (fields: Record<string, string>) => ({
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });

  const { verifier, query: authorize } = authorizationRequest(client, { scope: 'openid offline_access', prompt: 'consent' });
  const interaction = await timed('authorize', async () => {
    const response = await send(`/auth?${authorize}`);
    await response.arrayBuffer();
    const location = response.headers.get('location');
    if (response.status !== 303 || !location) throw new Error(`authorize: ${response.status}`);
    return new URL(location, client.issuer).pathname;
  });
  const loginCsrf = await timed('login_page', async () => csrfOf(await (await send(interaction)).text()));
  // when a second factor is asked, the password step ends at the redirect to its page, which is
  // the next step (a browser fetches it once); otherwise the redirects lead on to the callback
  let page = await timed('password', async () => {
    const response = await send(`${interaction}/login`, form({ email: account.email, password: BENCH_PASSWORD, csrf: loginCsrf }));
    const location = response.headers.get('location');
    if (!location?.endsWith('/second-factor')) return follow(response);
    await response.arrayBuffer();
    return { url: new URL(location, client.issuer).href, html: '' };
  });

  if (page.url.endsWith('/second-factor')) {
    const csrf = await timed('second_factor_page', async () => csrfOf((await follow(await send(page.url))).html));
    // a step once accepted never is again: the current one, or the next (one step of drift)
    const step = Math.max(currentStep(now()), (account.lastStep ?? 0) + 1);
    account.lastStep = step;
    const code = await generate({ secret: account.totpSecret!, epoch: step * 30 });
    page = await timed('totp', async () => follow(await send(`${interaction}/second-factor`, form({ method: 'totp', code, csrf }))));
  }
  account.browserCookies ??= ['stepup.browser', 'stepup.browser.sig'].filter((name) => jar.get(name)).map((name) => `${name}=${jar.get(name)}`);
  const code = new URL(page.url).searchParams.get('code');
  if (!code) throw new Error(`no code at the callback: ${page.url} ${page.html.slice(0, 200)}`);

  return timed('token', async () => {
    const response = await fetch(`${client.issuer}/token`, {
      ...form({ grant_type: 'authorization_code', code, redirect_uri: client.redirectUri, code_verifier: verifier }),
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`,
      },
    });
    const body = (await response.json()) as { refresh_token?: string; error?: string };
    if (!response.ok) throw new Error(`token: ${response.status} ${body.error}`);
    return body.refresh_token ?? null;
  });
}

/** One refresh-token grant; answers its latency in ms. */
export async function refresh(client: BenchClient, refreshToken: string): Promise<number> {
  const start = performance.now();
  const response = await fetch(client.tokenEndpoint ?? `${client.issuer}/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`,
    },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }).toString(),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`refresh: ${response.status} ${text.slice(0, 120)}`);
  return performance.now() - start;
}

export const BENCH_PASSWORD = 'benchmark password that is long';

export const currentStep = (ms: number) => Math.floor(ms / 30_000);

/** Whether the account has a TOTP time step left to sign in with now. */
export const canSignIn = (account: BenchAccount, ms: number) => account.totpSecret === null || (account.lastStep ?? 0) < currentStep(ms) + 1;
