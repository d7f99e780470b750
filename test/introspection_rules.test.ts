import { mayIntrospect } from '../src/provider/introspection.ts';

const orders = 'https://orders.example';
const servers = { [orders]: { scopes: ['orders:read'], introspectionClients: ['orders-api'] } };

test.each([
  ['its own client, an access token', 'app', { kind: 'AccessToken', clientId: 'app' }, true],
  ['its own client, a refresh token', 'app', { kind: 'RefreshToken', clientId: 'app' }, true],
  ['another client, an opaque access token', 'other', { kind: 'AccessToken', clientId: 'app' }, false],
  ["the API's client, an access token for the API", 'orders-api', { kind: 'AccessToken', clientId: 'app', aud: orders }, true],
  [
    "the API's client, an access token naming the API among others",
    'orders-api',
    { kind: 'AccessToken', clientId: 'app', aud: ['https://x.example', orders] },
    true,
  ],
  ["the API's client, an opaque access token", 'orders-api', { kind: 'AccessToken', clientId: 'app' }, false],
  ["the API's client, a refresh token for the API", 'orders-api', { kind: 'RefreshToken', clientId: 'app', aud: orders }, false],
  ["another API's audience", 'orders-api', { kind: 'AccessToken', clientId: 'app', aud: 'https://payroll.example' }, false],
  ['an audience that is an inherited property name', 'orders-api', { kind: 'AccessToken', clientId: 'app', aud: 'constructor' }, false],
  ['a client introspecting an access token issued for the API to another app', 'other', { kind: 'AccessToken', clientId: 'app', aud: orders }, false],
])('%s: %p', (_case, caller, token, allowed) => {
  expect(mayIntrospect(servers as never, caller, token)).toBe(allowed);
});
