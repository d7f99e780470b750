import { adminApiRouter } from '../src/admin_api/router.ts';
import { adminRoutes } from '../src/admin_api/routes.ts';
import { type RunningStepup, startStepup } from './support/stepup.ts';

const TOKEN = 'admin-token-for-tests-0123456789abcdef';
let stepup: RunningStepup;

beforeAll(async () => {
  stepup = await startStepup({ ADMIN_TOKEN: TOKEN });
});
afterAll(() => stepup.stop());

type Operation = { operationId: string; parameters: { name: string; in: string }[]; requestBody?: unknown; responses: Record<string, unknown> };
type Document = { openapi: string; paths: Record<string, Record<string, Operation>>; servers: { url: string }[] };

const fetchDocument = async () => (await (await fetch(`${stepup.issuer}/admin/api/v1/openapi.json`)).json()) as Document;

test('the OpenAPI 3.1 document is served without a token and names the server', async () => {
  const document = await fetchDocument();
  expect(document.openapi).toBe('3.1.0');
  expect(document.servers).toEqual([{ url: `${stepup.issuer}/admin/api/v1` }]);
});

test('every documented operation exists, and every route is documented', async () => {
  const document = await fetchDocument();
  const documented = Object.entries(document.paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`));
  expect(documented.length).toBeGreaterThanOrEqual(20);

  // each documented operation answers (401 without a token, not 404/405)
  for (const operation of documented) {
    const [method, path] = operation.split(' ') as [string, string];
    const concrete = path.replace(/\{\w+\}/g, 'some-id');
    const response = await fetch(`${stepup.issuer}/admin/api/v1${concrete}`, { method });
    expect([operation, response.status]).toEqual([operation, 401]);
  }

  // every route the koa router holds is in the document
  const router = adminApiRouter(adminRoutes(stepup.container), TOKEN, stepup.issuer);
  const routed = router.stack
    .flatMap((layer) =>
      layer.methods
        .filter((m) => m !== 'HEAD')
        .map(
          (m) =>
            `${m} ${String(layer.path)
              .replace('/admin/api/v1', '')
              .replace(/:(\w+)/g, '{$1}')}`,
        ),
    )
    .filter((route) => route !== 'GET /openapi.json');
  expect(routed.sort()).toEqual(documented.sort());

  // and an undocumented path or method is not served
  expect((await fetch(`${stepup.issuer}/admin/api/v1/clients`, { method: 'PUT', headers: { Authorization: `Bearer ${TOKEN}` } })).status).toBe(405);
  expect((await fetch(`${stepup.issuer}/admin/api/v1/secrets`, { headers: { Authorization: `Bearer ${TOKEN}` } })).status).toBe(404);
});

test('path parameters and bodies are described', async () => {
  const document = await fetchDocument();
  for (const [path, methods] of Object.entries(document.paths)) {
    const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
    for (const [method, operation] of Object.entries(methods)) {
      expect(operation.parameters.filter((p) => p.in === 'path').map((p) => p.name)).toEqual(inPath);
      expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['400', '401']));
      if (method === 'post' && path === '/clients') expect(operation.requestBody).toBeDefined();
    }
  }
});
