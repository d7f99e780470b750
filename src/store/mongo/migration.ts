import type { Db } from 'mongodb';
import type { Clock } from '../../clock.ts';
import type { MigrationPort, SnapshotCounts } from '../ports.ts';
import { type AccountDoc, toAccount, toAccountDoc } from './accounts.ts';
import { type AuditEventDoc, toAuditEvent } from './audit_log.ts';
import { type ClientDoc, toClient, toClientDoc } from './clients.ts';
import { type FactorDoc, toFactor, toFactorDoc } from './factors.ts';
import { type RecoveryCodeDoc, toRecoveryCodeDoc, toRecoveryCodeRow } from './recovery_codes.ts';
import type { SettingDoc } from './settings.ts';

/** Written before a copy's first record, marked finished once it is verified. */
interface CopyMarkerDoc {
  _id: 'copy';
  finishedAt: number | null;
}

/** A store an unfinished `stepup migrate` copy left, which no Stepup may run on. */
export const unfinishedCopy = (db: Db) =>
  db
    .collection<CopyMarkerDoc>('migration')
    .countDocuments({ _id: 'copy', finishedAt: null })
    .then((n) => n > 0);

/**
 * Whole collections in, whole collections out, in the shapes the adapters use. Not copied: the
 * records (sessions, tokens: people sign in again), counters, issued codes and deliveries (short-
 * lived), and account_locks, the documents transactions write to conflict on (made again by the
 * first transaction of each account).
 *
 * The copy is not one transaction: MongoDB ends a transaction after 60 s and limits what one
 * operation writes to 16 MB, and an installation's audit log alone can outgrow both. Instead a
 * marker is written first and marked finished last, after the counts are verified: a copy cut
 * off halfway never looks complete, Stepup refuses to start on it, and `migrate` run again
 * deletes it and copies anew.
 */
export function mongoMigration(db: Db, clock: Clock): MigrationPort {
  const marker = db.collection<CopyMarkerDoc>('migration');
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
      await marker.insertOne({ _id: 'copy', finishedAt: null });
      if (snapshot.accounts.length) await accounts.insertMany(snapshot.accounts.map(toAccountDoc));
      if (snapshot.clients.length) await clients.insertMany(snapshot.clients.map(toClientDoc));
      if (snapshot.factors.length) await factors.insertMany(snapshot.factors.map(toFactorDoc));
      if (snapshot.recoveryCodes.length) await recoveryCodes.insertMany(snapshot.recoveryCodes.map(toRecoveryCodeDoc));
      if (snapshot.settings.length) await settings.insertMany(snapshot.settings.map((s) => ({ _id: s.key, value: JSON.stringify(s.value) })));
      if (snapshot.auditEvents.length) await auditEvents.insertMany(snapshot.auditEvents.map(({ id, ...rest }) => ({ _id: id, ...rest })));
    },
    async finish() {
      await marker.updateOne({ _id: 'copy' }, { $set: { finishedAt: clock.now() } });
    },
    unfinished: () => unfinishedCopy(db),
    async discardUnfinished() {
      for (const collection of [accounts, clients, factors, recoveryCodes, settings, auditEvents]) await collection.deleteMany({});
      // last: a discard cut off halfway is still unfinished
      await marker.deleteOne({ _id: 'copy' });
    },
    async counts(): Promise<SnapshotCounts> {
      const [a, c, f, r, s, e] = await Promise.all([
        accounts.countDocuments(),
        clients.countDocuments(),
        factors.countDocuments(),
        recoveryCodes.countDocuments(),
        settings.countDocuments(),
        auditEvents.countDocuments(),
      ]);
      return { accounts: a, clients: c, factors: f, recoveryCodes: r, settings: s, auditEvents: e };
    },
  };
}
