import Router from '@koa/router';
import type { CurrentProvider } from '../provider/current_provider.ts';
import type { Store } from '../store/ports.ts';
import type { Metrics } from './metrics.ts';

/** Liveness, readiness and metrics. */
export function operationsRouter({ store, metrics }: { store: Store; metrics: Metrics }, current: CurrentProvider) {
  const router = new Router();

  const storageReachable = async () => {
    try {
      await store.ping();
      return true;
    } catch {
      return false;
    }
  };
  // DESIGN.md: /healthz answers 200 when the server and its storage are ready
  router.get('/healthz', async (ctx) => {
    const ok = await storageReachable();
    ctx.status = ok ? 200 : 503;
    ctx.body = { status: ok ? 'ok' : 'unavailable', storage: store.kind };
  });
  // for load balancers: take this process out of rotation when it cannot serve sign-ins
  router.get('/readyz', async (ctx) => {
    const checks = {
      storage: await storageReachable(),
      keys: current.keys.jwks.keys.length > 0 && current.keys.cookieKeys.length > 0,
    };
    const ready = checks.storage && checks.keys;
    ctx.status = ready ? 200 : 503;
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { status: ready ? 'ready' : 'not ready', storage: store.kind, checks };
  });
  router.get('/metrics', async (ctx) => {
    ctx.type = metrics.registry.contentType;
    ctx.set('Cache-Control', 'no-store');
    ctx.body = await metrics.registry.metrics();
  });
  return router;
}
