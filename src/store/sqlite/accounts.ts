import type { DatabaseSync } from 'node:sqlite';
import { DuplicateError, type Account, type AccountStore, type NewAccount } from '../ports.ts';
import { isUniqueViolation } from './database.ts';

type Row = Record<string, string | number | null>;

function toAccount(row: Row): Account {
  return {
    id: row.id as string,
    email: row.email as string,
    phone: row.phone as string | null,
    passwordHash: row.password_hash as string,
    disabled: row.disabled === 1,
    createdAt: row.created_at as number,
  };
}

export function sqliteAccounts(db: DatabaseSync): AccountStore {
  const insert = db.prepare('INSERT INTO accounts (id, email, phone, password_hash, created_at) VALUES (?, ?, ?, ?, ?)');
  const byId = db.prepare('SELECT * FROM accounts WHERE id = ?');
  const byEmail = db.prepare('SELECT * FROM accounts WHERE email = ?');
  const all = db.prepare('SELECT * FROM accounts ORDER BY email');
  const setHash = db.prepare('UPDATE accounts SET password_hash = ? WHERE id = ?');
  const setPhone = db.prepare('UPDATE accounts SET phone = ? WHERE id = ?');

  return {
    async create(account: NewAccount) {
      try {
        insert.run(account.id, account.email, account.phone, account.passwordHash, account.createdAt);
      } catch (error) {
        if (isUniqueViolation(error)) throw new DuplicateError(`an account with email ${account.email} exists`);
        throw error;
      }
      return { ...account, disabled: false };
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
    async updatePhone(id, phone) {
      setPhone.run(phone, id);
    },
  };
}
