// A payments API on Express 5, protected by Stepup's resource-server kit.
// Environment: ISSUER (Stepup), AUDIENCE (this API's URL as registered at Stepup),
// PORT, TRANSFER_MAX_AGE (seconds since the person last signed in, for transfers; 600).
import express from 'express';
import { ACR_2FA, createAccessTokenVerifier, expressRequireAccess } from 'stepup/resource-server';

const verifier = createAccessTokenVerifier({ issuer: process.env.ISSUER, audience: process.env.AUDIENCE });
const app = express();

app.get('/balance', expressRequireAccess(verifier, { scopes: ['payments:read'] }), (_request, response) => {
  response.json({ balance: '1200.00', by: response.locals.accessToken.sub });
});
// moving money needs a second factor, and a recent sign-in
const transfers = { scopes: ['payments:write'], acr: ACR_2FA, maxAge: Number(process.env.TRANSFER_MAX_AGE ?? 600) };
app.post('/transfers', expressRequireAccess(verifier, transfers), (_request, response) => {
  response.json({ transfer: 'done', acr: response.locals.accessToken.acr });
});

app.listen(Number(process.env.PORT ?? 4100), '127.0.0.1', () => console.log('payments API (express) listening'));
