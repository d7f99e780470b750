// An application that already runs oidc-provider, with its own people and its own login
// page, adding Stepup's second factor. Plain JavaScript; Stepup comes from its npm package.
// Environment: ISSUER, PORT, STEPUP_DB (a SQLite file), STEPUP_KEY (32 bytes in base64),
// CLIENTS (a JSON array of oidc-provider client metadata), REGISTRATION=open to let clients
// register themselves (OpenID Connect Dynamic Client Registration).
import { scryptSync, timingSafeEqual } from 'node:crypto';
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import Koa from 'koa';
import Provider from 'oidc-provider';
import { createStepup } from 'stepup';

const issuer = process.env.ISSUER ?? 'http://localhost:4000';

// --- the host's own account store: here a map, in real life its database ---
const hashPassword = (password) => scryptSync(password, 'example-salt', 32);
const people = new Map([['u-alice', { id: 'u-alice', email: 'alice@example.com', passwordHash: hashPassword('correct horse battery staple') }]]);
const findByEmail = (email) => [...people.values()].find((person) => person.email === email.trim().toLowerCase());
const passwordIsRight = (person, password) => timingSafeEqual(person.passwordHash, hashPassword(password));

// --- Stepup: these lines are all it takes ---
const stepup = await createStepup({
  issuer,
  people: { findById: async (id) => people.get(id) ?? null },
  store: { sqlitePath: process.env.STEPUP_DB ?? './stepup.db' },
  encryptionKey: process.env.STEPUP_KEY,
  // Stepup's pages inside the host's own look (optional)
  layout: new URL('./layout.njk', import.meta.url).pathname,
});
const provider = new Provider(
  issuer,
  stepup.configuration({
    clients: JSON.parse(process.env.CLIENTS ?? '[]'),
    cookies: { keys: [process.env.COOKIE_KEY ?? 'change me: a long random string'] },
    findAccount: async (_ctx, id) => (people.has(id) ? { accountId: id, claims: () => ({ sub: id, email: people.get(id).email }) } : undefined),
    claims: { email: ['email'] },
    features: {
      devInteractions: { enabled: false },
      // a client that registers itself never sets Stepup's trust metadata (first_party, mfa_policy)
      registration: { enabled: process.env.REGISTRATION === 'open' },
      registrationManagement: { enabled: process.env.REGISTRATION === 'open' },
    },
  }),
);
stepup.attach(provider);

// --- the host's own pages: the password, and consent ---
const page = (body) => `<!doctype html><meta charset="utf-8"><title>Example</title>${body}`;
const escapeHtml = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
// the form's CSRF token is Stepup's for this sign-in (a token of the host's own would do as well)
const loginForm = (step, error = '') =>
  page(`<h1>Example sign-in</h1>${error ? `<p role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/interaction/${step.uid}/login">
  <input type="hidden" name="csrf" value="${escapeHtml(step.csrfToken)}">
  <label>Email <input name="email" type="email" autocomplete="username"></label>
  <label>Password <input name="password" type="password" autocomplete="current-password"></label>
  <button>Sign in</button>
</form>`);

const router = new Router();
router.get('/interaction/:uid', async (ctx) => {
  const step = await stepup.interaction(ctx);
  const { prompt, params, session } = step.details;
  if (prompt.name === 'login') {
    ctx.body = loginForm(step);
    return;
  }
  // consent: this host trusts its own clients with what they ask
  const grant = new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  grant.addOIDCScope(String(params.scope));
  ctx.redirect(await stepup.finish(step, { consent: { grantId: await grant.save() } }, { merge: true }));
});
router.post('/interaction/:uid/login', bodyParser({ enableTypes: ['form'] }), async (ctx) => {
  const { email = '', password = '', csrf } = ctx.request.body;
  const step = await stepup.interaction(ctx);
  stepup.checkCsrf(step, csrf);
  const person = findByEmail(email);
  if (!person || !passwordIsRight(person, password)) {
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
app.listen(port, '127.0.0.1', () => console.log(`example host listening on ${issuer}`));
