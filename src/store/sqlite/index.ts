import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Clock } from '../../clock.ts';
import type { Store } from '../ports.ts';
import { privateFile } from '../private_files.ts';
import { type StepContext, silentStepLogger } from '../schema_step.ts';
import { sqliteAccounts } from './accounts.ts';
import { sqliteAuditLog } from './audit_log.ts';
import { sqliteClients } from './clients.ts';
import { sqliteCounters } from './counters.ts';
import { openDatabase } from './database.ts';
import { sqliteDeliveries } from './deliveries.ts';
import { createExclusive } from './exclusive.ts';
import { sqliteFactors } from './factors.ts';
import { sqliteIssuedCodes } from './issued_codes.ts';
import { sqliteLockouts } from './lockouts.ts';
import { sqliteMigration } from './migration.ts';
import { sqliteRecords } from './records.ts';
import { sqliteRecoveryCodes } from './recovery_codes.ts';
import { sqliteSettings } from './settings.ts';
import { startWalCheckpoints, type WarningLogger } from './wal_checkpoints.ts';

const silentLogger = { ...silentStepLogger, warn: () => undefined };

/**
 * The embedded store: one SQLite file through `node:sqlite`. The file is made 0600 before
 * SQLite opens it, whatever the umask: SQLite gives the -wal and -shm files it creates the
 * database file's mode; those left by an earlier version are closed here too. The schema
 * steps report to `logger`. A thread of the process checkpoints the write-ahead log.
 */
export function openSqliteStore(path: string, clock: Clock, logger: StepContext['logger'] & WarningLogger = silentLogger): Store {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  privateFile(path, { create: true });
  for (const companion of ['-wal', '-shm', '-journal']) privateFile(`${path}${companion}`, { create: false });
  const db = openDatabase(path, clock, logger);
  const checkpoints = startWalCheckpoints(path, logger);
  const exclusive = createExclusive(db);
  const accounts = sqliteAccounts(db, clock);
  const clients = sqliteClients(db);
  const factors = sqliteFactors(db);
  const recoveryCodes = sqliteRecoveryCodes(db);
  const settings = sqliteSettings(db);
  const audit = sqliteAuditLog(db);
  const waiting = exclusive.waiting;
  return {
    kind: 'sqlite',
    // in the process: no round trips
    roundTrips: () => null,
    accounts: waiting(accounts),
    clients: waiting(clients),
    factors: waiting(factors),
    recoveryCodes: waiting(recoveryCodes),
    issuedCodes: waiting(sqliteIssuedCodes(db, clock)),
    deliveries: waiting(sqliteDeliveries(db)),
    counters: waiting(sqliteCounters(db, clock)),
    lockouts: waiting(sqliteLockouts(db, clock)),
    audit: waiting(audit),
    records: waiting(sqliteRecords(db, clock)),
    settings: waiting(settings),
    migration: waiting(sqliteMigration(db, exclusive.transaction, { accounts, clients, factors, settings, audit })),
    // BEGIN IMMEDIATE takes the file's write lock: every transaction waits for the one before
    transaction: (_accountId, work) => exclusive.transaction(() => work({ factors, recoveryCodes })),
    async ping() {
      db.prepare('SELECT 1').get();
    },
    async close() {
      await checkpoints.stop();
      if (db.isOpen) db.close();
    },
  };
}
