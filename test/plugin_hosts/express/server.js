// A plain-JavaScript Express 5 host with its own people and its own login page, adding
// Stepup from its tarball. Environment: ISSUER, PORT, STEPUP_DB (a SQLite file), STEPUP_KEY
// (32 bytes in base64), CLIENTS (a JSON array of client metadata).
import { scryptSync, timingSafeEqual } from 'node:crypto';
import express from 'express';
import Provider from 'oidc-provider';
import { createStepup } from 'stepup';

const issuer = process.env.ISSUER ?? 'http://localhost:4000';

// --- the host's own people ---
const hashPassword = (password) => scryptSync(password, 'host-salt', 32);
const people = new Map([['u-alice', { id: 'u-alice', email: 'alice@example.com', passwordHash: hashPassword('correct horse battery staple') }]]);
const findByEmail = (email) => [...people.values()].find((person) => person.email === String(email).trim().toLowerCase());

// --- Stepup ---
const stepup = await createStepup({
  issuer,
  people: { findById: async (id) => people.get(id) ?? null },
  store: { sqlitePath: process.env.STEPUP_DB ?? './stepup.db' },
  encryptionKey: process.env.STEPUP_KEY,
});
const provider = new Provider(
  issuer,
  stepup.configuration({
    clients: JSON.parse(process.env.CLIENTS ?? '[]'),
    cookies: { keys: [process.env.COOKIE_KEY ?? 'a long random string of the host'] },
    findAccount: async (_ctx, id) => (people.has(id) ? { accountId: id, claims: () => ({ sub: id, email: people.get(id).email }) } : undefined),
    claims: { email: ['email'] },
    features: { devInteractions: { enabled: false } },
  }),
);
stepup.attach(provider);

// --- the host's pages ---
const escapeHtml = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const loginForm = (step, error = '') =>
  `<!doctype html><meta charset="utf-8"><title>Host</title><h1>Host sign-in</h1>${error ? `<p role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="${step.base}/login">
  <input type="hidden" name="csrf" value="${escapeHtml(step.csrfToken)}">
  <label>Email <input name="email" type="email"></label>
  <label>Password <input name="password" type="password"></label>
  <button>Sign in</button>
</form>`;

const app = express();
app.use(stepup.callback()); // Stepup's pages; everything else goes on to next()
app.get('/interaction/:uid', async (req, res) => {
  const step = await stepup.interaction({ req, res });
  if (step.prompt === 'login') {
    res.send(loginForm(step));
    return;
  }
  // consent: this host trusts its own clients with what they ask
  const grant = new provider.Grant({ accountId: step.details.session.accountId, clientId: step.clientId });
  grant.addOIDCScope(String(step.details.params.scope));
  res.redirect(303, await stepup.finish(step, { consent: { grantId: await grant.save() } }, { merge: true }));
});
app.post('/interaction/:uid/login', express.urlencoded({ extended: false }), async (req, res) => {
  const { email = '', password = '', csrf } = req.body;
  const step = await stepup.interaction({ req, res });
  stepup.checkCsrf(step, csrf);
  const person = findByEmail(email);
  if (!person || !timingSafeEqual(person.passwordHash, hashPassword(password))) {
    res.status(401).send(loginForm(step, 'Wrong email or password.'));
    return;
  }
  res.redirect(303, await stepup.passwordAccepted({ req, res }, person.id));
});
app.use(provider.callback());

const port = Number(process.env.PORT ?? 4000);
app.listen(port, '127.0.0.1', () => console.log(`express host listening on ${issuer}`));
