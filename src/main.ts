import { join } from 'node:path';
import { createApp } from './app.ts';
import { ConfigError, loadConfig } from './config/load.ts';
import { buildContainer } from './container.ts';
import { createLogger } from './logger.ts';
import { StoreUnavailableError } from './store/errors.ts';
import { isWorkerProcess, lowerPoolPriority, sizeThreadPool, superviseWorkers } from './workers.ts';

/** load config → build container → create app → listen; stop cleanly on SIGTERM/SIGINT. */
async function main() {
  const config = loadConfig();
  sizeThreadPool(config.workers);
  const logger = createLogger(config);
  if (config.workers > 1 && !isWorkerProcess()) {
    // the store's schema and migrations are made once, before the workers open it together
    await (await buildContainer(config, logger)).close();
    return superviseWorkers(config, logger);
  }
  const container = await buildContainer(config, logger);
  const { app, refreshKeys } = await createApp(container);
  // requests before password hashing on a shared core (workers.ts)
  const lowered = await lowerPoolPriority();
  logger.debug({ threads: lowered }, 'password hashing threads run at a lower priority');
  if (!config.adminToken) logger.info('admin API disabled: set ADMIN_TOKEN to enable /admin/api/v1');
  for (const sender of Object.values(container.senders)) {
    if (sender.provider === 'outbox') {
      const missing = sender.channel === 'email' ? 'SMTP_URL' : 'TWILIO_ACCOUNT_SID/TWILIO_AUTH_TOKEN/TWILIO_FROM';
      logger.warn(`DEVELOPMENT OUTBOX: ${missing} not set, so ${sender.channel} codes are NOT delivered; read them in ${join(config.dataDir, 'outbox.jsonl')}`);
    }
  }

  // expired records are never read; this only reclaims their space
  const sweeper = setInterval(() => {
    const { records, counters, lockouts, issuedCodes, audit } = container.store;
    const retainedFrom = container.clock.now() - config.audit.retentionDays * 86_400_000;
    Promise.all([records.sweep(), counters.sweep(), lockouts.sweep(), issuedCodes.sweep(), audit.prune(retainedFrom)]).catch((err: unknown) =>
      logger.warn({ err }, 'sweeping expired records failed'),
    );
  }, config.sweepIntervalSeconds * 1000);
  sweeper.unref();
  // rotated keys are stored by `stepup keys rotate`; every process picks them up here
  const keyRefresh = setInterval(() => {
    refreshKeys().catch((err: unknown) => logger.warn({ err }, 'reading the keys failed; keeping the current ones'));
  }, config.keys.refreshSeconds * 1000);
  keyRefresh.unref();

  const server = app.listen(config.port, config.host, () => {
    logger.info({ issuer: config.issuer, storage: container.store.kind, dataDir: config.dataDir }, `Stepup listening on http://${config.host}:${config.port}`);
  });

  // stop accepting, let requests in flight finish (up to a grace period), then close storage
  const stop = (signal: string) => {
    logger.info({ signal }, 'shutting down: no new connections; finishing requests in flight');
    clearInterval(sweeper);
    clearInterval(keyRefresh);
    const force = setTimeout(() => {
      logger.warn('requests still running after the grace period; closing their connections');
      server.closeAllConnections();
    }, config.shutdownGraceSeconds * 1000);
    force.unref();
    server.close(() => {
      container
        .close()
        .then(() => logger.info('storage closed; bye'))
        .catch((err: unknown) => logger.error({ err }, 'closing storage failed'))
        .finally(() => process.exit(0));
    });
    server.closeIdleConnections();
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof StoreUnavailableError) {
    console.error(`Stepup cannot start: ${error.message}`);
  } else {
    console.error('Stepup cannot start:', error instanceof Error ? error.message : error);
  }
  process.exit(1);
});
