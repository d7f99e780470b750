// A TypeScript Koa host with its own people and its own login page, adding Stepup from its
// tarball with nothing else installed: type-checked strictly, with the libraries' types too
// (skipLibCheck false), then run by Node as it is (type stripping).
// Environment: ISSUER, PORT, STEPUP_DB (a SQLite file), STEPUP_KEY (32 bytes in base64),
// CLIENTS (a JSON array of client metadata).
import { scryptSync, timingSafeEqual } from 'node:crypto';
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import Koa from 'koa';
import Provider, { type ClientMetadata } from 'oidc-provider';
import { createStepup, type Person, type SignInStep, type StepupClientMetadata, stepupClient } from 'stepup';

const issuer = process.env.ISSUER ?? 'http://localhost:4000';

// --- the host's own people ---
interface Account extends Person {
  passwordHash: Buffer;
}
const hashPassword = (password: string) => scryptSync(password, 'host-salt', 32);
const people = new Map<string, Account>([
  ['u-alice', { id: 'u-alice', email: 'alice@example.com', passwordHash: hashPassword('correct horse battery staple') }],
]);
const findByEmail = (email: string) => [...people.values()].find((person) => person.email === email.trim().toLowerCase());

// --- Stepup ---
const stepup = await createStepup({
  issuer,
  people: { findById: async (id) => people.get(id) ?? null },
  store: { sqlitePath: process.env.STEPUP_DB ?? './stepup.db' },
  encryptionKey: process.env.STEPUP_KEY ?? '',
});
// Stepup's client metadata (mfa_policy, ...) type-checked, the rest oidc-provider's
const clients = (JSON.parse(process.env.CLIENTS ?? '[]') as (ClientMetadata & StepupClientMetadata)[]).map((client) => stepupClient(client));
const provider = new Provider(
  issuer,
  stepup.configuration({
    clients,
    cookies: { keys: [process.env.COOKIE_KEY ?? 'a long random string of the host'] },
    findAccount: async (_ctx, id) => {
      const person = people.get(id);
      return person ? { accountId: id, claims: () => ({ sub: id, email: person.email }) } : undefined;
    },
    claims: { email: ['email'] },
    features: { devInteractions: { enabled: false } },
  }),
);
stepup.attach(provider);

// --- the host's pages ---
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const loginForm = (step: SignInStep, error = '') =>
  `<!doctype html><meta charset="utf-8"><title>Host</title><h1>Host sign-in</h1>${error ? `<p role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="${step.base}/login">
  <input type="hidden" name="csrf" value="${escapeHtml(step.csrfToken)}">
  <label>Email <input name="email" type="email"></label>
  <label>Password <input name="password" type="password"></label>
  <button>Sign in</button>
</form>`;

const router = new Router();
router.get('/interaction/:uid', async (ctx) => {
  const step = await stepup.interaction(ctx);
  if (step.prompt === 'login') {
    ctx.body = loginForm(step);
    return;
  }
  // consent: this host trusts its own clients with what they ask
  const grant = new provider.Grant({ accountId: step.details.session?.accountId, clientId: step.clientId });
  grant.addOIDCScope(String(step.details.params.scope));
  ctx.redirect(await stepup.finish(step, { consent: { grantId: await grant.save() } }, { merge: true }));
});
router.post('/interaction/:uid/login', bodyParser({ enableTypes: ['form'] }), async (ctx) => {
  const { email = '', password = '', csrf } = ctx.request.body as Record<string, string | undefined>;
  const step = await stepup.interaction(ctx);
  stepup.checkCsrf(step, csrf);
  const person = findByEmail(email);
  if (!person || !timingSafeEqual(person.passwordHash, hashPassword(password))) {
    ctx.status = 401;
    ctx.body = loginForm(step, 'Wrong email or password.');
    return;
  }
  ctx.status = 303;
  ctx.redirect(await stepup.passwordAccepted(ctx, person.id));
});

const app = new Koa();
app.use(stepup.routes());
app.use(router.routes());
app.use((ctx) => {
  ctx.respond = false;
  return provider.callback()(ctx.req, ctx.res);
});
const port = Number(process.env.PORT ?? 4000);
app.listen(port, '127.0.0.1', () => console.log(`typescript host listening on ${issuer}`));
