import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Clock } from '../../clock.ts';
import type { Store } from '../ports.ts';
import { sqliteAccounts } from './accounts.ts';
import { sqliteClients } from './clients.ts';
import { openDatabase } from './database.ts';
import { sqliteAuditLog } from './audit_log.ts';
import { sqliteCounters } from './counters.ts';
import { sqliteDeliveries } from './deliveries.ts';
import { sqliteFactors } from './factors.ts';
import { sqliteIssuedCodes } from './issued_codes.ts';
import { sqliteMigration } from './migration.ts';
import { sqliteRecords } from './records.ts';
import { sqliteRecoveryCodes } from './recovery_codes.ts';
import { sqliteSettings } from './settings.ts';

/** The embedded store: one SQLite file through `node:sqlite`. */
export function openSqliteStore(path: string, clock: Clock): Store {
  mkdirSync(dirname(path), { recursive: true });
  const db = openDatabase(path);
  const accounts = sqliteAccounts(db);
  const clients = sqliteClients(db);
  const factors = sqliteFactors(db);
  const settings = sqliteSettings(db);
  const audit = sqliteAuditLog(db);
  return {
    kind: 'sqlite',
    accounts,
    clients,
    factors,
    recoveryCodes: sqliteRecoveryCodes(db),
    issuedCodes: sqliteIssuedCodes(db, clock),
    deliveries: sqliteDeliveries(db),
    counters: sqliteCounters(db, clock),
    audit,
    records: sqliteRecords(db, clock),
    settings,
    migration: sqliteMigration(db, { accounts, clients, factors, settings, audit }),
    async ping() {
      db.prepare('SELECT 1').get();
    },
    async close() {
      if (db.isOpen) db.close();
    },
  };
}
