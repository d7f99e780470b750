import { z } from 'zod';
import { auditTypes, sinceSchema } from '../admin/audit_queries.ts';
import { clientChangesSchema, newClientSchema } from '../admin/clients.ts';
import { pageSchema, pagingSchema } from '../admin/input.ts';
import { rotateKeysSchema } from '../admin/keys.ts';
import { userChangesSchema, userSearchSchema } from '../admin/users.ts';
import {
  toBrowserForgottenWire,
  toClientWire,
  toKeyWire,
  toMethodRemovedWire,
  toMethodsWire,
  toNewClientWire,
  toPageWire,
  toRememberedBrowsersWire,
  toResetWire,
  toRotatedSecretWire,
  toSignedOutWire,
  toUnlockedWire,
  toUserDetailWire,
  toUserRevokedWire,
  toUserWire,
} from '../admin/wire.ts';
import {
  clientSummarySchema,
  keySummarySchema,
  methodSchema,
  methodsSchema,
  rememberedBrowserSchema,
  userDetailSchema,
  userSummarySchema,
} from '../admin/wire_schemas.ts';
import type { AdminServices } from '../container.ts';

/**
 * One admin API operation. This table is the single description of the API: the router
 * validates requests with these schemas, the handler receives what they parse to, and the
 * OpenAPI document is generated from them. The defaults are the widest types, for the router.
 */
export interface AdminRoute<
  P extends z.ZodObject = z.ZodObject,
  Q extends z.ZodObject = z.ZodObject,
  B extends z.ZodType = z.ZodType,
  R extends z.ZodType = z.ZodType,
> {
  method: 'get' | 'post' | 'patch' | 'delete';
  /** OpenAPI form, relative to /admin/api/v1: /clients/{clientId} */
  path: string;
  operationId: string;
  summary: string;
  tag: 'clients' | 'users' | 'audit' | 'keys';
  params?: P;
  query?: Q;
  body?: B;
  /** success status; 204 has no body */
  status: 200 | 201 | 204;
  /** when the operation can answer 409, why */
  conflict?: string;
  response?: R;
  // method syntax: a route of narrower schemas still fits the router's AdminRoute[]
  handle(input: { params: z.output<P>; query: z.output<Q>; body: z.output<B> }): Promise<z.output<R>>;
}

/**
 * A route whose handler gets the parsed values of its own schemas (as Logto's koaGuard).
 * A schema left out parses to nothing: no params or query ({}), no body, no response (204).
 */
export const route = <
  P extends z.ZodObject = z.ZodObject<Record<never, never>>,
  Q extends z.ZodObject = z.ZodObject<Record<never, never>>,
  B extends z.ZodType = z.ZodUndefined,
  R extends z.ZodType = z.ZodVoid,
>(
  definition: AdminRoute<P, Q, B, R>,
): AdminRoute<P, Q, B, R> => definition;

const clientId = z.object({ clientId: z.string().min(1).max(100) });
const userId = z.object({ userId: z.string().min(1).max(320).describe('the user id, or their email address') });
const auditEventSchema = z.object({
  id: z.string(),
  at: z.number().int().describe('epoch milliseconds'),
  type: z.string(),
  accountId: z.string().nullable(),
  email: z.string().nullable(),
  clientId: z.string().nullable(),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  channel: z.string().nullable(),
  result: z.enum(['ok', 'failed']),
  detail: z.string().nullable(),
});
const counts = z.record(z.string(), z.number().int());
const auditSummarySchema = z.object({
  since: z.string(),
  events: z.number().int(),
  byType: counts,
  byChannel: counts,
  byResult: counts,
  topFailingAccounts: z.array(z.object({ email: z.string(), failures: z.number().int() })),
  topFailingIps: z.array(z.object({ ip: z.string(), failures: z.number().int() })),
});
const userAndRevoked = z.object({ id: z.string(), email: z.string(), revoked: z.number().int().describe('sessions, grants and tokens ended') });

/** The admin services the API is a face of, the same as the CLI's. */
type ApiServices = Pick<AdminServices, 'clientAdmin' | 'userAdmin' | 'auditQueries' | 'keyAdmin'>;

export function adminRoutes({ clientAdmin, userAdmin, auditQueries, keyAdmin }: ApiServices): AdminRoute[] {
  return [
    route({
      method: 'get',
      path: '/clients',
      operationId: 'listClients',
      summary: 'List client applications, oldest first',
      tag: 'clients',
      query: pagingSchema,
      status: 200,
      response: pageSchema(clientSummarySchema),
      handle: async ({ query }) => toPageWire(await clientAdmin.list(query), toClientWire),
    }),
    route({
      method: 'post',
      path: '/clients',
      operationId: 'createClient',
      summary: 'Register a client application; the secret is returned only here',
      tag: 'clients',
      body: newClientSchema,
      status: 201,
      response: clientSummarySchema.extend({ client_secret: z.string().optional() }),
      handle: async ({ body }) => toNewClientWire(await clientAdmin.add(body)),
    }),
    route({
      method: 'get',
      path: '/clients/{clientId}',
      operationId: 'getClient',
      summary: 'Read a client application',
      tag: 'clients',
      params: clientId,
      status: 200,
      response: clientSummarySchema,
      handle: async ({ params }) => toClientWire(await clientAdmin.get(params.clientId)),
    }),
    route({
      method: 'patch',
      path: '/clients/{clientId}',
      operationId: 'updateClient',
      summary: 'Change a client application',
      tag: 'clients',
      params: clientId,
      body: clientChangesSchema,
      status: 200,
      response: clientSummarySchema,
      conflict: 'the change needs a new client (a client keeps the authentication method it was registered with)',
      handle: async ({ params, body }) => toClientWire(await clientAdmin.update(params.clientId, body)),
    }),
    route({
      method: 'delete',
      path: '/clients/{clientId}',
      operationId: 'deleteClient',
      summary: 'Remove a client application',
      tag: 'clients',
      params: clientId,
      status: 204,
      handle: ({ params }) => clientAdmin.remove(params.clientId),
    }),
    route({
      method: 'post',
      path: '/clients/{clientId}/secret',
      operationId: 'rotateClientSecret',
      summary: 'Replace the client secret; the old one stops working at once',
      tag: 'clients',
      params: clientId,
      status: 200,
      response: z.object({ client_id: z.string(), client_secret: z.string() }),
      conflict: 'a public client has no secret',
      handle: async ({ params }) => toRotatedSecretWire(await clientAdmin.rotateSecret(params.clientId)),
    }),
    route({
      method: 'get',
      path: '/users',
      operationId: 'listUsers',
      summary: 'List or search users, by email',
      tag: 'users',
      query: pagingSchema.extend(userSearchSchema.shape),
      status: 200,
      response: pageSchema(userSummarySchema),
      handle: async ({ query }) => toPageWire(await userAdmin.list(query), toUserWire),
    }),
    route({
      method: 'post',
      path: '/users',
      operationId: 'createUser',
      summary: 'Create a user',
      tag: 'users',
      body: userAdmin.newUserSchema,
      status: 201,
      conflict: 'a user with this email exists',
      response: userSummarySchema,
      handle: async ({ body }) => toUserWire(await userAdmin.add(body)),
    }),
    route({
      method: 'get',
      path: '/users/{userId}',
      operationId: 'getUser',
      summary: 'Read a user, with their second factors and lockout',
      tag: 'users',
      params: userId,
      status: 200,
      response: userDetailSchema,
      handle: async ({ params }) => toUserDetailWire(await userAdmin.get(params.userId)),
    }),
    route({
      method: 'patch',
      path: '/users/{userId}',
      operationId: 'updateUser',
      summary: "Change a user's email or phone",
      tag: 'users',
      params: userId,
      body: userChangesSchema,
      status: 200,
      conflict: 'the new email belongs to another user',
      response: userSummarySchema,
      handle: async ({ params, body }) => toUserWire(await userAdmin.update(params.userId, body)),
    }),
    route({
      method: 'post',
      path: '/users/{userId}/disable',
      operationId: 'disableUser',
      summary: 'Stop a user from signing in and end their sessions',
      tag: 'users',
      params: userId,
      status: 200,
      response: userSummarySchema.extend({ revoked: z.number().int() }),
      handle: async ({ params }) => toUserRevokedWire(await userAdmin.setDisabled(params.userId, true)),
    }),
    route({
      method: 'post',
      path: '/users/{userId}/enable',
      operationId: 'enableUser',
      summary: 'Let a disabled user sign in again',
      tag: 'users',
      params: userId,
      status: 200,
      response: userSummarySchema.extend({ revoked: z.number().int() }),
      handle: async ({ params }) => toUserRevokedWire(await userAdmin.setDisabled(params.userId, false)),
    }),
    route({
      method: 'post',
      path: '/users/{userId}/unlock',
      operationId: 'unlockUser',
      summary: 'Lift a lockout and clear the failure counts',
      tag: 'users',
      params: userId,
      status: 200,
      response: userSummarySchema.extend({ was_locked: z.boolean() }),
      handle: async ({ params }) => toUnlockedWire(await userAdmin.unlock(params.userId)),
    }),
    route({
      method: 'get',
      path: '/users/{userId}/methods',
      operationId: 'listUserMethods',
      summary: "List a user's second factors and recovery codes left",
      tag: 'users',
      params: userId,
      status: 200,
      response: methodsSchema,
      handle: async ({ params }) => toMethodsWire(await userAdmin.methods(params.userId)),
    }),
    route({
      method: 'delete',
      path: '/users/{userId}/methods/{methodId}',
      operationId: 'removeUserMethod',
      summary: 'Remove one second factor (a lost passkey, say), never the last; signs the user out everywhere',
      tag: 'users',
      params: userId.extend({ methodId: z.string().min(1).max(100).describe('the id from the list of methods') }),
      status: 200,
      response: userAndRevoked.extend({ removed: methodSchema.shape.kind }),
      conflict: 'this is the last second factor (reset the second factor instead)',
      handle: async ({ params }) => toMethodRemovedWire(await userAdmin.removeMethod(params.userId, params.methodId)),
    }),
    route({
      method: 'get',
      path: '/users/{userId}/remembered-browsers',
      operationId: 'listRememberedBrowsers',
      summary: "List a user's remembered browsers: each a device-bound key that stands in for the second factor where a client allows it",
      tag: 'users',
      params: userId,
      status: 200,
      response: z.object({ id: z.string(), email: z.string(), browsers: z.array(rememberedBrowserSchema) }),
      handle: async ({ params }) => toRememberedBrowsersWire(await userAdmin.rememberedBrowsers(params.userId)),
    }),
    route({
      method: 'delete',
      path: '/users/{userId}/remembered-browsers/{browserId}',
      operationId: 'forgetRememberedBrowser',
      summary: 'Forget one remembered browser: its next sign-in is asked for the second factor',
      tag: 'users',
      params: userId.extend({ browserId: z.string().min(1).max(100).describe('the id from the list of remembered browsers') }),
      status: 200,
      response: z.object({ id: z.string(), email: z.string(), forgotten: rememberedBrowserSchema }),
      handle: async ({ params }) => toBrowserForgottenWire(await userAdmin.forgetBrowser(params.userId, params.browserId)),
    }),
    route({
      method: 'post',
      path: '/users/{userId}/reset-second-factor',
      operationId: 'resetSecondFactor',
      summary: 'Remove every second factor and recovery code; the next sign-in enrols anew',
      tag: 'users',
      params: userId,
      status: 200,
      response: userAndRevoked.extend({ methods_removed: z.number().int() }),
      handle: async ({ params }) => toResetWire(await userAdmin.resetSecondFactor(params.userId)),
    }),
    route({
      method: 'post',
      path: '/users/{userId}/revoke-sessions',
      operationId: 'revokeSessions',
      summary: 'Sign the user out everywhere: sessions, grants, refresh tokens',
      tag: 'users',
      params: userId,
      status: 200,
      response: userAndRevoked,
      handle: async ({ params }) => toSignedOutWire(await userAdmin.revokeSessions(params.userId)),
    }),
    route({
      method: 'get',
      path: '/audit',
      operationId: 'queryAudit',
      summary: 'Authentication events, newest first',
      tag: 'audit',
      query: z.object({
        user: z.string().max(320).optional().describe('email address'),
        type: z.enum(auditTypes).optional(),
        since: sinceSchema.optional(),
        limit: z.coerce.number().int().min(1).max(10_000).default(100),
      }),
      status: 200,
      response: z.object({ items: z.array(auditEventSchema) }),
      handle: async ({ query }) => ({
        items: await auditQueries.query({
          email: query.user,
          type: query.type,
          since: query.since ?? '24h',
          limit: query.limit,
        }),
      }),
    }),
    route({
      method: 'get',
      path: '/audit/summary',
      operationId: 'auditSummary',
      summary: 'Counts by event type, channel and result; the accounts and IPs that fail most',
      tag: 'audit',
      query: z.object({ since: sinceSchema.default('24h') }),
      status: 200,
      response: auditSummarySchema,
      handle: ({ query }) => auditQueries.summary(query.since),
    }),
    route({
      method: 'get',
      path: '/keys',
      operationId: 'listKeys',
      summary: 'Signing and cookie keys with their schedule',
      tag: 'keys',
      status: 200,
      response: z.object({ items: z.array(keySummarySchema) }),
      handle: async () => ({ items: (await keyAdmin.list()).map(toKeyWire) }),
    }),
    route({
      method: 'post',
      path: '/keys/rotate',
      operationId: 'rotateKeys',
      summary: 'Add new keys: published now, signing after the publish delay',
      tag: 'keys',
      body: rotateKeysSchema.optional(),
      status: 200,
      response: z.object({ items: z.array(keySummarySchema) }),
      handle: async ({ body }) => ({ items: (await keyAdmin.rotate(body)).map(toKeyWire) }),
    }),
  ];
}
