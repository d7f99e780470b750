import type { Db } from 'mongodb';
import type { MigrationPort, SnapshotCounts } from '../ports.ts';
import { toAccount, toAccountDoc, type AccountDoc } from './accounts.ts';
import { toClient, toClientDoc, type ClientDoc } from './clients.ts';
import { toFactor, toFactorDoc, type FactorDoc } from './factors.ts';
import { toRecoveryCodeDoc, toRecoveryCodeRow, type RecoveryCodeDoc } from './recovery_codes.ts';
import type { SettingDoc } from './settings.ts';
import { toAuditEvent, type AuditEventDoc } from './audit_log.ts';

/** Whole collections in, whole collections out, in the shapes the adapters use. */
export function mongoMigration(db: Db): MigrationPort {
  const accounts = db.collection<AccountDoc>('accounts');
  const clients = db.collection<ClientDoc>('clients');
  const factors = db.collection<FactorDoc>('factors');
  const recoveryCodes = db.collection<RecoveryCodeDoc>('recovery_codes');
  const settings = db.collection<SettingDoc>('settings');
  const auditEvents = db.collection<AuditEventDoc>('audit_events');

  return {
    async read() {
      return {
        accounts: (await accounts.find().toArray()).map(toAccount),
        clients: (await clients.find().toArray()).map(toClient),
        factors: (await factors.find().toArray()).map(toFactor),
        recoveryCodes: (await recoveryCodes.find().toArray()).map(toRecoveryCodeRow),
        settings: (await settings.find().toArray()).map((s) => ({ key: s._id, value: JSON.parse(s.value) as unknown })),
        auditEvents: (await auditEvents.find().sort({ at: -1 }).toArray()).map(toAuditEvent),
      };
    },
    async write(snapshot) {
      if (snapshot.accounts.length) await accounts.insertMany(snapshot.accounts.map(toAccountDoc));
      if (snapshot.clients.length) await clients.insertMany(snapshot.clients.map(toClientDoc));
      if (snapshot.factors.length) await factors.insertMany(snapshot.factors.map(toFactorDoc));
      if (snapshot.recoveryCodes.length) await recoveryCodes.insertMany(snapshot.recoveryCodes.map(toRecoveryCodeDoc));
      if (snapshot.settings.length) await settings.insertMany(snapshot.settings.map((s) => ({ _id: s.key, value: JSON.stringify(s.value) })));
      if (snapshot.auditEvents.length) await auditEvents.insertMany(snapshot.auditEvents.map(({ id, ...rest }) => ({ _id: id, ...rest })));
    },
    async counts(): Promise<SnapshotCounts> {
      const [a, c, f, r, s, e] = await Promise.all([accounts, clients, factors, recoveryCodes, settings, auditEvents].map((collection) => collection.countDocuments()));
      return { accounts: a!, clients: c!, factors: f!, recoveryCodes: r!, settings: s!, auditEvents: e! };
    },
  };
}
