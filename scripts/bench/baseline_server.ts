import { bodyParser } from '@koa/bodyparser';
import argon2 from 'argon2';
import Koa from 'koa';
import Provider, { type Adapter, type AdapterPayload } from 'oidc-provider';
import { verify } from 'otplib';

/**
 * The baseline: a bare oidc-provider (in-memory storage) with a login page, the same argon2
 * parameters, and then a TOTP code checked with otplib, so the ratio to it measures only what
 * Stepup adds (storage, lockout, counters, audit, alerts, CSRF, pages).
 * Args: port, memoryKiB, timeCost, parallelism, clientId, clientSecret, redirectUri, password, totpSecret.
 */
const [port, memoryKiB, timeCost, parallelism, clientId, clientSecret, redirectUri, password, totpSecret] = process.argv.slice(2) as string[];
const issuer = `http://127.0.0.1:${port}`;
const passwordHash = await argon2.hash(password!, {
  type: argon2.argon2id,
  memoryCost: Number(memoryKiB),
  timeCost: Number(timeCost),
  parallelism: Number(parallelism),
});

/**
 * In-memory storage without a size limit: oidc-provider's own memory adapter keeps only the
 * last 1,000 records, so a bench's worth of sign-ins evicted the grants its refresh phase used.
 */
const entries = new Map<string, { payload: AdapterPayload; expiresAt: number | null }>();
/** Adapter calls by model and method: what the bare provider would send to a store. */
const operations: Record<string, number> = {};
const count = (model: string, method: string) => {
  operations[`${model}.${method}`] = (operations[`${model}.${method}`] ?? 0) + 1;
};
class MapAdapter implements Adapter {
  private readonly model: string;
  constructor(model: string) {
    this.model = model;
  }
  private key = (id: string) => `${this.model}:${id}`;
  private live(key: string) {
    const entry = entries.get(key);
    if (!entry || (entry.expiresAt !== null && entry.expiresAt <= Date.now())) return undefined;
    return entry.payload;
  }
  async upsert(id: string, payload: AdapterPayload, expiresIn?: number) {
    count(this.model, 'upsert');
    entries.set(this.key(id), { payload, expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : null });
    if (payload.uid) entries.set(`uid:${payload.uid}`, { payload: { id } as AdapterPayload, expiresAt: null });
  }
  async find(id: string) {
    count(this.model, 'find');
    return this.live(this.key(id));
  }
  async findByUid(uid: string) {
    count(this.model, 'findByUid');
    const id = (entries.get(`uid:${uid}`)?.payload as { id?: string } | undefined)?.id;
    return id ? this.find(id) : undefined;
  }
  async findByUserCode() {
    return undefined;
  }
  async consume(id: string) {
    count(this.model, 'consume');
    const payload = this.live(this.key(id));
    if (payload) payload.consumed = Math.floor(Date.now() / 1000);
  }
  async destroy(id: string) {
    count(this.model, 'destroy');
    entries.delete(this.key(id));
  }
  async revokeByGrantId(grantId: string) {
    count(this.model, 'revokeByGrantId');
    for (const [key, entry] of entries) if (entry.payload.grantId === grantId) entries.delete(key);
  }
}

const provider = new Provider(issuer, {
  adapter: MapAdapter,
  clients: [{ client_id: clientId!, client_secret: clientSecret!, redirect_uris: [redirectUri!], grant_types: ['authorization_code', 'refresh_token'] }],
  findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub }) }),
  features: { devInteractions: { enabled: false } },
  scopes: ['openid', 'offline_access'],
  pkce: { required: () => true },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
});

const app = new Koa();
const form = bodyParser({ enableTypes: ['form'] });
/** Interactions whose password was right, waiting for the code: uid → account. */
const passwordChecked = new Map<string, string>();

app.use(async (ctx, next) => {
  if (ctx.path === '/bench/storage-operations') {
    ctx.body = operations;
    return;
  }
  const match = /^\/interaction\/([\w-]+)(\/login|\/second-factor)?$/.exec(ctx.path);
  if (!match) return next();
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  if (ctx.method === 'GET' && details.prompt.name === 'consent') {
    // the client is trusted, as Stepup's first-party clients: the grant covers what it asks for
    const grant = new provider.Grant({ clientId: clientId!, accountId: details.session!.accountId });
    grant.addOIDCScope('openid offline_access');
    const returnTo = await provider.interactionResult(ctx.req, ctx.res, { consent: { grantId: await grant.save() } }, { mergeWithLastSubmission: true });
    ctx.status = 303;
    ctx.redirect(returnTo);
    return;
  }
  const secondFactor = match[2] === '/second-factor';
  if (ctx.method === 'GET') {
    ctx.type = 'html';
    ctx.body = secondFactor
      ? `<form method="post" action="/interaction/${details.uid}/second-factor"><input type="hidden" name="csrf" value="x"><input name="code"></form>`
      : `<form method="post" action="/interaction/${details.uid}/login"><input type="hidden" name="csrf" value="x"><input name="email"><input name="password" type="password"></form>`;
    return;
  }
  await form(ctx, async () => undefined);
  if (!secondFactor) {
    const body = ctx.request.body as { email: string; password: string };
    if (!(await argon2.verify(passwordHash, body.password))) {
      ctx.status = 401;
      return;
    }
    passwordChecked.set(details.uid, body.email);
    ctx.status = 303;
    ctx.redirect(`/interaction/${details.uid}/second-factor`);
    return;
  }
  const accountId = passwordChecked.get(details.uid);
  const { code } = ctx.request.body as { code: string };
  if (!accountId || !(await verify({ secret: totpSecret!, token: code, epochTolerance: 30 })).valid) {
    ctx.status = 401;
    return;
  }
  passwordChecked.delete(details.uid);
  const returnTo = await provider.interactionResult(ctx.req, ctx.res, { login: { accountId } }, { mergeWithLastSubmission: false });
  ctx.status = 303;
  ctx.redirect(returnTo);
});
app.use(async (ctx) => {
  ctx.respond = false;
  await provider.callback()(ctx.req, ctx.res);
});
app.listen(Number(port), '127.0.0.1', () => console.log('ready'));
// exits (rather than dies) on the bench's SIGTERM, so a --cpu-prof profile is written
process.once('SIGTERM', () => process.exit(0));
