import { decodeEntities as decode } from '../../scripts/bench/html.ts';

/**
 * A person's browser as far as the server can tell: cookies, redirects, forms.
 * Stops at the first redirect that leaves the issuer (the relying party's callback).
 */
export interface Page {
  url: string;
  status: number;
  html: string;
}

interface Form {
  action: string;
  fields: Record<string, string>;
}

export class Browser {
  private readonly cookies = new Map<string, string>();
  page: Page = { url: '', status: 0, html: '' };
  /** every URL the browser was sent to, in order */
  readonly visited: string[] = [];

  /** every Set-Cookie line received, as sent */
  readonly setCookieLines: string[] = [];

  /** the User-Agent header sent with every request, when set */
  userAgent?: string;

  /** headers sent with every request: `x-forwarded-for` plays another address behind a trusted proxy */
  headers: Record<string, string> = {};

  private readonly issuer: string;
  private readonly via?: { origin: string; headers: Record<string, string> };

  /** `via`: reach the issuer through a TLS-terminating proxy, played by this origin and these headers. */
  constructor(issuer: string, via?: { origin: string; headers: Record<string, string> }) {
    this.issuer = issuer;
    this.via = via;
  }

  async open(url: string): Promise<Page> {
    return this.request(new URL(url, this.issuer).href, { method: 'GET' });
  }

  /** Posts the page's form whose action ends with `actionSuffix`, with its hidden fields plus `fields`. */
  async submit(actionSuffix: string, fields: Record<string, string> = {}): Promise<Page> {
    const form = this.forms().find((f) => f.action.endsWith(actionSuffix));
    if (!form) throw new Error(`no form posting to ${actionSuffix} on ${this.page.url}:\n${this.page.html}`);
    return this.post(form.action, { ...form.fields, ...fields });
  }

  async post(url: string, fields: Record<string, string>, contentType = 'application/x-www-form-urlencoded'): Promise<Page> {
    const body = contentType === 'application/x-www-form-urlencoded' ? new URLSearchParams(fields).toString() : JSON.stringify(fields);
    return this.request(new URL(url, this.issuer).href, { method: 'POST', body, headers: { 'content-type': contentType } });
  }

  forms(): Form[] {
    return [...this.page.html.matchAll(/<form[^>]*action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/g)].map((m) => ({
      action: decode(m[1]!),
      fields: Object.fromEntries([...m[2]!.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((i) => [i[1]!, decode(i[2]!)])),
    }));
  }

  /** The text of the element with this id. */
  textOf(id: string): string | undefined {
    const match = new RegExp(`<(\\w+)[^>]*id="${id}"[^>]*>([\\s\\S]*?)<\\/\\1>`).exec(this.page.html);
    return match
      ? decode(
          match[2]!
            .replace(/<[^>]+>/g, '')
            .replace(/\\s+/g, ' ')
            .trim(),
        )
      : undefined;
  }

  /** Another browser holding only these of this one's cookies: the same device after its session ended, say. */
  keeping(names: string[]): Browser {
    const other = new Browser(this.issuer, this.via);
    for (const name of names) if (this.cookies.has(name)) other.cookies.set(name, this.cookies.get(name)!);
    return other;
  }

  get callbackUrl(): URL {
    return new URL(this.page.url);
  }

  private async request(url: string, init: RequestInit & { headers?: Record<string, string> }): Promise<Page> {
    let current = url;
    let options: RequestInit & { headers?: Record<string, string> } = init;
    for (let hops = 0; hops < 20; hops += 1) {
      this.visited.push(current);
      if (!current.startsWith(this.issuer)) {
        this.page = { url: current, status: 0, html: '' };
        return this.page;
      }
      const target = this.via ? this.via.origin + current.slice(this.issuer.length) : current;
      const response = await fetch(target, {
        ...options,
        redirect: 'manual',
        headers: {
          ...options.headers,
          ...this.via?.headers,
          ...this.headers,
          ...(this.userAgent && { 'user-agent': this.userAgent }),
          cookie: this.cookieHeader(),
          accept: 'text/html',
        },
      });
      this.store(response.headers.getSetCookie());
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location) {
        current = new URL(location, current).href;
        options = { method: 'GET' };
        continue;
      }
      this.page = { url: current, status: response.status, html: await response.text() };
      return this.page;
    }
    throw new Error('too many redirects');
  }

  cookieHeader(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  private store(setCookies: string[]) {
    for (const line of setCookies) {
      this.setCookieLines.push(line);
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (/expires=Thu, 01 Jan 1970/i.test(line) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
}
