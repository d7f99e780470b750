import type { Db, MongoClient } from 'mongodb';
import type { Logger } from 'pino';
import type { Clock } from '../../clock.ts';
import { StoreUnavailableError } from '../errors.ts';
import type { Store } from '../ports.ts';
import { recognizeUnreachable } from '../unreachable.ts';
import { mongoAccounts } from './accounts.ts';
import { mongoAuditLog } from './audit_log.ts';
import { mongoClients } from './clients.ts';
import { mongoCounters } from './counters.ts';
import { connect, ensureIndexes, redactUri } from './database.ts';
import { mongoDeliveries } from './deliveries.ts';
import { mongoFactors } from './factors.ts';
import { mongoIssuedCodes } from './issued_codes.ts';
import { mongoLockouts } from './lockouts.ts';
import { mongoMigration, unfinishedCopy } from './migration.ts';
import { applySteps } from './migrations/apply_steps.ts';
import { mongoSteps } from './migrations/index.ts';
import { mongoRecords } from './records.ts';
import { mongoRecoveryCodes } from './recovery_codes.ts';
import { mongoSettings } from './settings.ts';
import { mongoTransactions } from './transactions.ts';
import { isMongoUnreachable } from './unreachable.ts';

// the driver's errors for a server it cannot reach are a 503 from now on (../unreachable.ts)
recognizeUnreachable(isMongoUnreachable);

/**
 * The production store: MongoDB through the official driver. Refuses a database that an
 * unfinished `stepup migrate` copy left, unless it is opened as that copy's `target`.
 */
export async function openMongoStore(uri: string, clock: Clock, logger: Logger, { target = false } = {}): Promise<Store> {
  const { client, db } = await connect(uri);
  if (!target && (await unfinishedCopy(db))) {
    await client.close();
    throw new StoreUnavailableError(`${redactUri(uri)} holds a copy by \`stepup migrate\` that did not finish; run the same migrate again to copy anew`);
  }
  return mongoStoreOn(client, db, clock, logger, { ownsClient: true });
}

/** The store in a database of a client the caller connected; closing it closes the client only when it owns it. */
export async function mongoStoreOn(client: MongoClient, db: Db, clock: Clock, logger: Logger, { ownsClient }: { ownsClient: boolean }): Promise<Store> {
  // first: a step may drop an index that one of ensureIndexes replaces
  await applySteps(db, mongoSteps, { now: clock.now(), logger });
  await ensureIndexes(db);
  let commands = 0;
  const monitored = client.options.monitorCommands === true;
  if (monitored) client.on('commandStarted', () => (commands += 1));
  return {
    kind: 'mongodb',
    roundTrips: () => (monitored ? commands : null),
    migration: mongoMigration(db, clock),
    accounts: mongoAccounts(db, clock),
    clients: mongoClients(db),
    factors: mongoFactors(db),
    recoveryCodes: mongoRecoveryCodes(db),
    issuedCodes: mongoIssuedCodes(db, clock),
    deliveries: mongoDeliveries(db),
    counters: mongoCounters(db, clock),
    lockouts: mongoLockouts(db, clock),
    audit: mongoAuditLog(db),
    records: mongoRecords(db, clock),
    settings: mongoSettings(db),
    transaction: mongoTransactions(client, db),
    async ping() {
      await db.command({ ping: 1 });
    },
    async close() {
      if (ownsClient) await client.close();
    },
  };
}
