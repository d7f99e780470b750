// A payments API on Koa, protected by Stepup's resource-server kit.
// Environment: ISSUER (Stepup), AUDIENCE (this API's URL as registered at Stepup),
// PORT, TRANSFER_MAX_AGE (seconds since the person last signed in, for transfers; 600).
import Router from '@koa/router';
import Koa from 'koa';
import { ACR_2FA, createAccessTokenVerifier, koaRequireAccess } from 'stepup/resource-server';

const verifier = createAccessTokenVerifier({ issuer: process.env.ISSUER, audience: process.env.AUDIENCE });
const router = new Router();

router.get('/balance', koaRequireAccess(verifier, { scopes: ['payments:read'] }), (ctx) => {
  ctx.body = { balance: '1200.00', by: ctx.state.accessToken.sub };
});
// moving money needs a second factor, and a recent sign-in
const transfers = { scopes: ['payments:write'], acr: ACR_2FA, maxAge: Number(process.env.TRANSFER_MAX_AGE ?? 600) };
router.post('/transfers', koaRequireAccess(verifier, transfers), (ctx) => {
  ctx.body = { transfer: 'done', acr: ctx.state.accessToken.acr };
});

new Koa().use(router.routes()).listen(Number(process.env.PORT ?? 4100), '127.0.0.1', () => console.log('payments API (koa) listening'));
