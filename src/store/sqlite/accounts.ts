import type { DatabaseSync } from 'node:sqlite';
import type { Clock } from '../../clock.ts';
import type { Account, NewAccount } from '../../model/account.ts';
import { type LockoutState, liveLockoutState } from '../../model/lockout.ts';
import { type AccountStore, DuplicateError } from '../ports.ts';
import { isUniqueViolation } from './database.ts';
import { toFactor } from './factors.ts';

type Row = Record<string, string | number | null>;

export function toAccount(row: Row): Account {
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

/** The columns toAccount reads. */
export const accountColumns = ['id', 'email', 'phone', 'password_hash', 'disabled', 'email_verified', 'profile', 'profile_updated_at', 'roles', 'created_at'];

const factorColumns = ['id', 'account_id', 'kind', 'secret_ciphertext', 'target', 'confirmed_at', 'last_time_step', 'created_at', 'passkey'];

export function sqliteAccounts(db: DatabaseSync, clock: Clock): AccountStore {
  const insert = db.prepare(`INSERT INTO accounts (id, email, phone, password_hash, email_verified, profile, profile_updated_at, roles, created_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const byId = db.prepare('SELECT * FROM accounts WHERE id = ?');
  // one statement: the account, its factors as a JSON array, its unused recovery codes, its lockout state
  const withFacts = db.prepare(`SELECT accounts.*,
      (SELECT json_group_array(json_object(${factorColumns.map((c) => `'${c}', ${c}`).join(', ')})) FROM factors WHERE account_id = accounts.id) AS facts_factors,
      (SELECT count(*) FROM recovery_codes WHERE account_id = accounts.id AND used_at IS NULL) AS facts_unused_codes,
      (SELECT state FROM lockout_states WHERE subject = accounts.id) AS facts_lockout
    FROM accounts WHERE id = ?`);
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
    async findWithFacts(id) {
      const row = withFacts.get(id) as Row | undefined;
      if (!row) return null;
      const factors = (JSON.parse(row.facts_factors as string) as Row[]).map(toFactor).sort((a, b) => a.createdAt - b.createdAt);
      const lockout = row.facts_lockout ? liveLockoutState(JSON.parse(row.facts_lockout as string) as LockoutState, clock.now()) : {};
      return {
        account: toAccount(row),
        factors,
        unusedRecoveryCodes: Number(row.facts_unused_codes),
        lockout: Object.keys(lockout).length ? lockout : null,
      };
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
