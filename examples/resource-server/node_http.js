// A payments API on plain Node `http`, protected by Stepup's resource-server kit.
// Environment: ISSUER (Stepup), AUDIENCE (this API's URL as registered at Stepup),
// PORT, TRANSFER_MAX_AGE (seconds since the person last signed in, for transfers; 600).
import { createServer } from 'node:http';
import { ACR_2FA, createAccessTokenVerifier, requireAccess } from 'stepup/resource-server';

const verifier = createAccessTokenVerifier({ issuer: process.env.ISSUER, audience: process.env.AUDIENCE });
// reading needs the scope; moving money needs a second factor, and a recent sign-in
const routes = {
  'GET /balance': { scopes: ['payments:read'] },
  'POST /transfers': { scopes: ['payments:write'], acr: ACR_2FA, maxAge: Number(process.env.TRANSFER_MAX_AGE ?? 600) },
};

createServer(async (request, response) => {
  const requirement = routes[`${request.method} ${new URL(request.url, 'http://api').pathname}`];
  if (!requirement) return response.writeHead(404).end();
  const token = await requireAccess(verifier, requirement, request, response).catch(() => response.writeHead(500).end());
  if (!token) return; // refused: 401 with the step-up challenge, 403 for a missing scope (or 500: Stepup's keys out of reach)
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end(JSON.stringify(request.method === 'GET' ? { balance: '1200.00', by: token.sub } : { transfer: 'done', acr: token.acr }));
}).listen(Number(process.env.PORT ?? 4100), '127.0.0.1', () => console.log('payments API (node http) listening'));
