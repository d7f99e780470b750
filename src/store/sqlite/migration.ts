import type { DatabaseSync } from 'node:sqlite';
import type { AccountStore, AuditLogStore, ClientStore, FactorStore, MigrationPort, SettingStore, Snapshot } from '../ports.ts';

type Row = Record<string, string | number | null>;

interface Stores {
  accounts: AccountStore;
  clients: ClientStore;
  factors: FactorStore;
  settings: SettingStore;
  audit: AuditLogStore;
}

/** `inTransaction` runs the write as one transaction, alone on the connection. */
export function sqliteMigration(db: DatabaseSync, inTransaction: <T>(work: () => Promise<T>) => Promise<T>, stores: Stores): MigrationPort {
  const count = (table: string) => Number((db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n);

  return {
    async read() {
      const accounts = await stores.accounts.list();
      const factors = (await Promise.all(accounts.map((a) => stores.factors.listForAccount(a.id)))).flat();
      const recoveryCodes = (db.prepare('SELECT * FROM recovery_codes').all() as Row[]).map((row) => ({
        accountId: row.account_id as string,
        codeHash: row.code_hash as string,
        usedAt: row.used_at as number | null,
        createdAt: row.created_at as number,
      }));
      const settings = (db.prepare('SELECT key, value FROM settings').all() as Row[]).map((row) => ({
        key: row.key as string,
        value: JSON.parse(row.value as string) as unknown,
      }));
      const auditEvents = await stores.audit.query({ limit: Number.MAX_SAFE_INTEGER });
      return { accounts, clients: await stores.clients.list(), factors, recoveryCodes, settings, auditEvents };
    },
    write(snapshot: Snapshot) {
      return inTransaction(async () => {
        const account = db.prepare('INSERT INTO accounts (id, email, phone, password_hash, disabled, created_at) VALUES (?, ?, ?, ?, ?, ?)');
        for (const a of snapshot.accounts) account.run(a.id, a.email, a.phone, a.passwordHash, a.disabled ? 1 : 0, a.createdAt);
        for (const c of snapshot.clients) await stores.clients.create(c);
        for (const f of snapshot.factors) await stores.factors.add(f);
        const code = db.prepare('INSERT INTO recovery_codes (account_id, code_hash, used_at, created_at) VALUES (?, ?, ?, ?)');
        for (const r of snapshot.recoveryCodes) code.run(r.accountId, r.codeHash, r.usedAt, r.createdAt);
        for (const s of snapshot.settings) await stores.settings.put(s.key, s.value);
        for (const e of snapshot.auditEvents) await stores.audit.add(e);
      });
    },
    // the write is one transaction: never left half-done, so there is nothing to mark
    finish: async () => undefined,
    unfinished: async () => false,
    discardUnfinished: async () => undefined,
    async counts() {
      return {
        accounts: count('accounts'),
        clients: count('clients'),
        factors: count('factors'),
        recoveryCodes: count('recovery_codes'),
        settings: count('settings'),
        auditEvents: count('audit_events'),
      };
    },
  };
}
