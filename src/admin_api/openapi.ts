import { z } from 'zod';
import type { AdminRoute } from './routes.ts';

export const adminApiBase = '/admin/api/v1';

const errorSchema = {
  type: 'object',
  required: ['error', 'message'],
  properties: {
    error: { type: 'string', description: 'a stable code: invalid_request, unauthorized, not_found, conflict, ...' },
    message: { type: 'string' },
  },
};

/** What a request may send (input) or a response holds (output), without the dialect line. */
const jsonSchema = (schema: z.ZodType, io: 'input' | 'output') => {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' });
  return rest;
};

const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });

function parametersOf(route: AdminRoute) {
  const out: object[] = [];
  for (const [where, schema] of [
    ['path', route.params],
    ['query', route.query],
  ] as const) {
    if (!schema) continue;
    const { properties = {}, required = [] } = jsonSchema(schema, 'input');
    for (const [name, property] of Object.entries(properties)) {
      // the boolean form (true: anything) is never what a zod field gives
      if (typeof property === 'boolean') continue;
      const { description, ...propertySchema } = property;
      out.push({
        name,
        in: where,
        required: where === 'path' || required.includes(name),
        schema: propertySchema,
        ...(description ? { description } : {}),
      });
    }
  }
  return out;
}

/** The OpenAPI 3.1 document of the admin API, generated from the route table. */
export function openApiDocument(routes: AdminRoute[], issuer: string) {
  const paths: Record<string, Record<string, object>> = {};
  for (const route of routes) {
    const responses: Record<string, object> = {
      [route.status]: route.response
        ? { description: 'done', content: { 'application/json': { schema: jsonSchema(route.response, 'output') } } }
        : { description: 'done' },
      400: errorResponse('the request is malformed or invalid'),
      401: errorResponse('no valid admin token'),
    };
    if (route.params) responses[404] = errorResponse('no such resource');
    if (route.conflict) responses[409] = errorResponse(route.conflict);
    if (route.body) {
      responses[413] = errorResponse('the body is larger than 1 MB');
      responses[415] = errorResponse('the body is not application/json');
    }
    const operations = paths[route.path] ?? {};
    paths[route.path] = operations;
    operations[route.method] = {
      operationId: route.operationId,
      summary: route.summary,
      tags: [route.tag],
      parameters: parametersOf(route),
      ...(route.body
        ? { requestBody: { required: !(route.body instanceof z.ZodOptional), content: { 'application/json': { schema: jsonSchema(route.body, 'input') } } } }
        : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Stepup admin API',
      version: '1',
      description: 'Client applications, users, audit log and keys of a Stepup server. Every change is audited.',
    },
    servers: [{ url: `${issuer.replace(/\/$/, '')}${adminApiBase}` }],
    security: [{ adminToken: [] }],
    tags: [{ name: 'clients' }, { name: 'users' }, { name: 'audit' }, { name: 'keys' }],
    paths,
    components: {
      securitySchemes: { adminToken: { type: 'http', scheme: 'bearer', description: 'the ADMIN_TOKEN of the server' } },
      schemas: { Error: errorSchema },
    },
  };
}
