import type { DatabaseSync } from 'node:sqlite';
import type { Account, NewAccount } from '../../model/account.ts';
import { type AccountStore, DuplicateError } from '../ports.ts';
import { isUniqueViolation } from './database.ts';

type Row = Record<string, string | number | null>;

function toAccount(row: Row): Account {
  return {
    id: row.id as string,
    email: row.email as string,
    phone: row.phone as string | null,
    passwordHash: row.password_hash as string,
    disabled: row.disabled === 1,
    emailVerified: row.email_verified === 1,
    profile: JSON.parse(row.profile as string) as Account['profile'],
    profileUpdatedAt: row.profile_updated_at as number | null,
    roles: JSON.parse(row.roles as string) as string[],
    createdAt: row.created_at as number,
  };
}

export function sqliteAccounts(db: DatabaseSync): AccountStore {
  const insert = db.prepare(`INSERT INTO accounts (id, email, phone, password_hash, email_verified, profile, profile_updated_at, roles, created_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const byId = db.prepare('SELECT * FROM accounts WHERE id = ?');
  const byEmail = db.prepare('SELECT * FROM accounts WHERE email = ?');
  const all = db.prepare('SELECT * FROM accounts ORDER BY email');
  const setHash = db.prepare('UPDATE accounts SET password_hash = ? WHERE id = ?');
  const update = db.prepare(`UPDATE accounts SET email = coalesce(:email, email), phone = iif(:setPhone, :phone, phone),
    disabled = coalesce(:disabled, disabled), email_verified = coalesce(:emailVerified, email_verified),
    profile = coalesce(:profile, profile), profile_updated_at = coalesce(:profileUpdatedAt, profile_updated_at), roles = coalesce(:roles, roles) WHERE id = :id`);
  // LIKE with the user's text escaped, so % and _ match themselves
  const matching = "(:text IS NULL OR email LIKE :pattern ESCAPE '\\' OR phone LIKE :pattern ESCAPE '\\')";
  const page = db.prepare(`SELECT * FROM accounts WHERE ${matching} ORDER BY email LIMIT :limit OFFSET :offset`);
  const count = db.prepare(`SELECT count(*) AS total FROM accounts WHERE ${matching}`);

  return {
    async create(account: NewAccount) {
      try {
        insert.run(
          account.id,
          account.email,
          account.phone,
          account.passwordHash,
          Number(account.emailVerified ?? false),
          JSON.stringify(account.profile ?? {}),
          account.profileUpdatedAt ?? null,
          JSON.stringify(account.roles ?? []),
          account.createdAt,
        );
      } catch (error) {
        if (isUniqueViolation(error)) throw new DuplicateError(`an account with email ${account.email} exists`);
        throw error;
      }
      return { profile: {}, profileUpdatedAt: null, roles: [], ...account, disabled: false, emailVerified: account.emailVerified ?? false };
    },
    async findById(id) {
      const row = byId.get(id) as Row | undefined;
      return row ? toAccount(row) : null;
    },
    async findByEmail(email) {
      const row = byEmail.get(email) as Row | undefined;
      return row ? toAccount(row) : null;
    },
    async list() {
      return (all.all() as Row[]).map(toAccount);
    },
    async updatePasswordHash(id, passwordHash) {
      setHash.run(passwordHash, id);
    },
    async search({ text, limit, offset }) {
      const filter = { text: text ?? null, pattern: text === undefined ? null : `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%` };
      const rows = page.all({ ...filter, limit, offset }) as Row[];
      const { total } = count.get(filter) as { total: number };
      return { accounts: rows.map(toAccount), total };
    },
    async update(id, changes) {
      try {
        update.run({
          id,
          email: changes.email ?? null,
          setPhone: changes.phone !== undefined ? 1 : 0,
          phone: changes.phone ?? null,
          disabled: changes.disabled === undefined ? null : Number(changes.disabled),
          emailVerified: changes.emailVerified === undefined ? null : Number(changes.emailVerified),
          profile: changes.profile === undefined ? null : JSON.stringify(changes.profile),
          profileUpdatedAt: changes.profileUpdatedAt ?? null,
          roles: changes.roles === undefined ? null : JSON.stringify(changes.roles),
        });
      } catch (error) {
        if (isUniqueViolation(error)) throw new DuplicateError(`an account with email ${changes.email} exists`);
        throw error;
      }
      const row = byId.get(id) as Row | undefined;
      return row ? toAccount(row) : null;
    },
  };
}
