/**
 * The storage ports. Every adapter (SQLite, MongoDB) implements these; nothing past
 * the composition root knows which one it talks to. Times are epoch milliseconds.
 */

import type { Account, AccountChanges, NewAccount } from '../model/account.ts';
import type { AuditEvent, AuditType } from '../model/audit.ts';
import type { ClientRecord } from '../model/client.ts';
import type { Delivery, Factor, IssuedCode } from '../model/factor.ts';
import type { CounterState, LockoutCount, LockoutState, LockPeriod } from '../model/lockout.ts';

export interface AccountStore {
  /** Throws DuplicateError when the email (case-insensitive) is taken. */
  create(account: NewAccount): Promise<Account>;
  findById(id: string): Promise<Account | null>;
  /** The account and what a second-factor step reads of it, in one operation (one round trip); null when there is no such account. */
  findWithFacts(id: string): Promise<AccountWithFacts | null>;
  findByEmail(email: string): Promise<Account | null>;
  list(): Promise<Account[]>;
  /** Accounts whose email or phone contains `text` (any case), ordered by email. */
  search(query: AccountSearch): Promise<{ accounts: Account[]; total: number }>;
  updatePasswordHash(id: string, passwordHash: string): Promise<void>;
  /** Throws DuplicateError when the new email is taken; null when there is no such account. */
  update(id: string, changes: AccountChanges): Promise<Account | null>;
}

/** An account with its factors, its unused recovery codes and its lockout state, as one read. */
export interface AccountWithFacts {
  account: Account;
  /** as FactorStore.listForAccount: oldest first */
  factors: Factor[];
  /** as RecoveryCodeStore.countUnused */
  unusedRecoveryCodes: number;
  /** as LockoutStore.get with the account's id */
  lockout: LockoutState | null;
}

export interface AccountSearch {
  text?: string;
  limit: number;
  offset: number;
}

export interface ClientStore {
  /** Throws DuplicateError when the client id is taken. */
  create(client: ClientRecord): Promise<void>;
  find(clientId: string): Promise<ClientRecord | null>;
  list(): Promise<ClientRecord[]>;
  /** Replaces metadata and secret; false when there is no such client. */
  update(client: ClientRecord): Promise<boolean>;
  /** true when a client was removed */
  remove(clientId: string): Promise<boolean>;
}

export interface FactorStore {
  /** Throws DuplicateError when the passkey's credential id is registered already (to any account). */
  add(factor: Factor): Promise<void>;
  find(id: string): Promise<Factor | null>;
  findByCredentialId(credentialId: string): Promise<Factor | null>;
  listForAccount(accountId: string): Promise<Factor[]>;
  remove(id: string): Promise<void>;
  /**
   * Records `timeStep` as used, only if it is newer than every step accepted before.
   * Atomic: of two concurrent calls with the same step exactly one returns true.
   */
  acceptTimeStep(id: string, timeStep: number): Promise<boolean>;
  /**
   * Records a passkey's use at `at` with the signature counter its authenticator sent: only if
   * the counter went up, or stays 0 on an authenticator that keeps none. A counter that did not
   * go up is a replayed assertion or a cloned authenticator. Atomic like acceptTimeStep.
   */
  acceptPasskeyUse(id: string, counter: number, at: number): Promise<boolean>;
  /** false when there is no such passkey */
  renamePasskey(id: string, name: string): Promise<boolean>;
}

export interface RecoveryCodeStore {
  /** Replaces every code of the account by these keyed hashes; inside a transaction, atomic. */
  replace(accountId: string, codeHashes: string[], at: number): Promise<void>;
  /** Marks the code used; true only for the one call that found it unused. */
  consume(accountId: string, codeHash: string, at: number): Promise<boolean>;
  countUnused(accountId: string): Promise<number>;
}

export interface IssuedCodeStore {
  /** Replaces any earlier code of the factor. */
  issue(code: Omit<IssuedCode, 'attempts' | 'consumedAt'>): Promise<void>;
  /** The factor's unexpired, unconsumed code. */
  findLive(factorId: string): Promise<IssuedCode | null>;
  /** Counts a wrong try; returns the new count (atomic). */
  addAttempt(factorId: string): Promise<number>;
  /** Spends the code with this hash; true only for the one call that found it live and under the try limit. */
  consume(factorId: string, codeHash: string, maxAttempts: number, at: number): Promise<boolean>;
  /** Deletes expired codes; returns how many. */
  sweep(): Promise<number>;
}

export interface DeliveryLogStore {
  add(delivery: Delivery): Promise<void>;
  updateStatus(providerMessageId: string, status: string): Promise<boolean>;
  listForAccount(accountId: string, limit: number): Promise<Delivery[]>;
  /** Newest first, every account's: the delivery log admins read. */
  list(query: DeliveryQuery): Promise<Delivery[]>;
}

export interface DeliveryQuery {
  since?: number;
  until?: number;
  limit: number;
  offset?: number;
}

/** A hit on a counter whose count may reach `limit`. */
export interface CounterHit {
  key: string;
  windowMs: number;
  limit: number;
}

export interface CounterStore {
  /**
   * Adds one to the counter, starting a new window of `windowMs` when there is none or it
   * has ended. Atomic on SQLite and MongoDB.
   */
  hit(key: string, windowMs: number): Promise<CounterState>;
  /**
   * One hit on each counter, as `hit` does, in one operation (one round trip while every key is
   * within its limit); answers, for each, its state when it went over `limit` (its count is
   * above it), else null.
   */
  hitAll(hits: CounterHit[]): Promise<(CounterState | null)[]>;
  /** The live counter, or null. */
  peek(key: string): Promise<CounterState | null>;
  /** Deletes the counters, in one operation. */
  clear(...keys: string[]): Promise<void>;
  /** Deletes ended windows; returns how many. */
  sweep(): Promise<number>;
}

/** Lockout state, one record per subject, so a sign-in step reads and counts it in one operation. */
export interface LockoutStore {
  /** The subject's state, or null when it has none. */
  get(subject: string): Promise<LockoutState | null>;
  /**
   * Unless the subject is locked, counts one attempt of `kind`, starting a window of
   * `windowMs` when none is live. Atomic. Answers the state after.
   */
  attempt(subject: string, kind: LockoutCount, windowMs: number): Promise<LockoutState>;
  /**
   * When no lock is live and the live count of `kind` has reached `limit`: counts a lockout
   * (in a window of a day), locks for the period that count gives, and clears the count of
   * `kind`. Atomic: of calls at once, one locks. Answers when the lock ends if this call
   * locked, else null.
   */
  lock(subject: string, kind: LockoutCount, limit: number, period: LockPeriod): Promise<number | null>;
  /** Forgets those parts of the subject's state; `'all'` forgets the record. */
  clear(subject: string, parts: (LockoutCount | 'lockouts')[] | 'all'): Promise<void>;
  /** Deletes records with nothing live left; returns how many. */
  sweep(): Promise<number>;
}

export interface AuditQuery {
  accountId?: string;
  email?: string;
  type?: AuditType;
  clientId?: string;
  result?: AuditEvent['result'];
  since?: number;
  until?: number;
  limit: number;
  /** events skipped before the first returned, for paging */
  offset?: number;
}

export interface AuditLogStore {
  add(event: AuditEvent): Promise<void>;
  /** Newest first. */
  query(query: AuditQuery): Promise<AuditEvent[]>;
  /** Deletes events before `before`; returns how many. */
  prune(before: number): Promise<number>;
}

/** Secondary keys oidc-provider looks records up by. */
export interface RecordIndex {
  grantId?: string;
  accountId?: string;
  uid?: string;
  userCode?: string;
}

/** A record's kind and id. */
export interface RecordKey {
  kind: string;
  id: string;
}

/** One write of a batch: a record saved (as `upsert`) or destroyed. */
export type RecordWrite =
  | { op: 'upsert'; kind: string; id: string; payload: Record<string, unknown>; expiresAt: number | null; index?: RecordIndex }
  | { op: 'destroy'; kind: string; id: string };

export interface StoredRecord {
  payload: Record<string, unknown>;
  expiresAt: number | null;
  consumedAt: number | null;
}

/**
 * Expiring records by kind and id: every oidc-provider model (sessions, interactions,
 * codes, tokens, grants) and our own short-lived state. Expired records are never returned.
 * Callers get it through security/sealed_records.ts: ids stored only as keyed hashes, payloads encrypted.
 */
export interface RecordStore {
  upsert(kind: string, id: string, payload: Record<string, unknown>, expiresAt: number | null, index?: RecordIndex): Promise<void>;
  find(kind: string, id: string): Promise<StoredRecord | null>;
  /** Several records in one operation (one round trip), answered in the order asked, null where none. */
  findMany(keys: RecordKey[]): Promise<(StoredRecord | null)[]>;
  findBy(kind: string, field: 'uid' | 'userCode', value: string): Promise<StoredRecord | null>;
  /**
   * The record and, in the same operation (one round trip), the account it names (its
   * `accountId` index): a token's owner, whom oidc-provider's findAccount reads next.
   */
  findWithAccount(kind: string, id: string): Promise<{ record: StoredRecord | null; account: Account | null }>;
  /** Marks the record consumed; true only for the one call that found it unconsumed. */
  consume(kind: string, id: string, at: number): Promise<boolean>;
  destroy(kind: string, id: string): Promise<void>;
  /**
   * The writes in their order, in one operation (one round trip). On SQLite all or none; on
   * MongoDB one ordered bulk write, which stops at the first that fails (as separate calls would).
   */
  write(batch: RecordWrite[]): Promise<void>;
  /**
   * Deletes the records of one kind issued under the grant. oidc-provider calls it once per
   * token model, so the grant's interaction and session, which carry its id too, stay.
   */
  revokeByGrantId(kind: string, grantId: string): Promise<void>;
  /**
   * Deletes every record of the account: sessions, grants, tokens, interactions, pending
   * sign-ins and enrolments; returns how many.
   */
  revokeByAccountId(accountId: string): Promise<number>;
  /** Deletes expired records; returns how many. */
  sweep(): Promise<number>;
}

/** Long-lived values such as the signing keys, shared by every server process. */
export interface SettingStore {
  get<T>(key: string): Promise<T | null>;
  /** Stores `value` unless the key exists; returns whichever value is stored. */
  putIfAbsent<T>(key: string, value: T): Promise<T>;
  put<T>(key: string, value: T): Promise<void>;
}

export interface RecoveryCodeRow {
  accountId: string;
  codeHash: string;
  usedAt: number | null;
  createdAt: number;
}

/** What moves between installations: everything but short-lived sessions and tokens. */
export interface Snapshot {
  accounts: Account[];
  clients: ClientRecord[];
  factors: Factor[];
  recoveryCodes: RecoveryCodeRow[];
  settings: { key: string; value: unknown }[];
  auditEvents: AuditEvent[];
}

export type SnapshotCounts = { [K in keyof Snapshot]: number };

/** For `stepup migrate`: read a whole store, fill an empty one. */
export interface MigrationPort {
  read(): Promise<Snapshot>;
  /**
   * Inserts everything; the target must hold none of these records yet. Until finish(), the
   * store is an unfinished copy, which Stepup refuses to start on.
   */
  write(snapshot: Snapshot): Promise<void>;
  /** Marks the copy complete, once it is verified. */
  finish(): Promise<void>;
  /** true when a copy into this store began and never finished. */
  unfinished(): Promise<boolean>;
  /** Deletes what an unfinished copy wrote, so that the copy can start over. */
  discardUnfinished(): Promise<void>;
  counts(): Promise<SnapshotCounts>;
}

/** What a transaction reads and writes through. */
export type TransactionPorts = Pick<Store, 'factors' | 'recoveryCodes'>;

export interface Store {
  readonly kind: 'sqlite' | 'mongodb';
  /**
   * Runs `work` as one transaction on the account's second factors and recovery codes: all
   * its writes or none. Two transactions on one account run one after the other, and the
   * later one may run `work` again on what the first committed: `work` reads and writes only
   * through `tx` and does nothing else that cannot be repeated.
   */
  transaction<T>(accountId: string, work: (tx: TransactionPorts) => Promise<T>): Promise<T>;
  migration: MigrationPort;
  accounts: AccountStore;
  clients: ClientStore;
  factors: FactorStore;
  recoveryCodes: RecoveryCodeStore;
  issuedCodes: IssuedCodeStore;
  deliveries: DeliveryLogStore;
  counters: CounterStore;
  lockouts: LockoutStore;
  audit: AuditLogStore;
  records: RecordStore;
  settings: SettingStore;
  /**
   * Commands sent to the database server so far (MongoDB: each a round trip, the driver's
   * retries and the second command of an operation that needs two included); null where there
   * is no server (SQLite runs in the process) or the commands are not seen (a host's client
   * made without `monitorCommands`).
   */
  roundTrips(): number | null;
  /** Throws when the storage cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export class DuplicateError extends Error {}
