import { AsyncLocalStorage } from 'node:async_hooks';
import type { Factor } from '../model/factor.ts';
import type { LockoutState } from '../model/lockout.ts';
import type { RecordStore, Store, StoredRecord } from './ports.ts';

/**
 * What one request read ahead, each handed out once: records by `kind id`, and an account's
 * facts (`factors id`, `unusedRecoveryCodes id`, `lockout id`); `writes` counts its writes.
 */
interface Scope {
  ahead: Map<string, StoredRecord | null>;
  facts: Map<string, Factor[] | number | LockoutState | null>;
  writes: number;
}

const requests = new AsyncLocalStorage<Scope>();

/** Runs `work` (one HTTP request) with its own read-ahead scope; outside one, nothing is read ahead. */
export const inRequestScope = <T>(work: () => Promise<T>): Promise<T> => requests.run({ ahead: new Map(), facts: new Map(), writes: 0 }, work);

const keyOf = (kind: string, id: string) => `${kind} ${id}`;

/**
 * The record store reading, with a record of kind K, the records of the kinds `companions[K]`
 * under the same id, in the same operation (one round trip): the interaction and the pending
 * sign-in beside it are both read by every page of a sign-in. A record read ahead is handed to
 * the first find of it in the same request, and to no other: a later find reads the store
 * again. A write of this request to a record (upsert, consume, destroy) drops what was read
 * ahead of it, a revocation everything, and a read ahead that any write overtook is not kept:
 * a find never answers older than this request's own writes. Across requests and processes nothing is kept: a read ahead is the same read,
 * made a few milliseconds earlier within the request, that the caller would have made.
 */
export function readingAhead(records: RecordStore, companions: Record<string, string[]>): RecordStore {
  /** A write of one record drops what was read ahead of it; a write of many (`null`), all. */
  const drop = (kind: string | null, id?: string) => {
    const scope = requests.getStore();
    if (!scope) return;
    scope.writes += 1;
    if (kind === null || id === undefined) scope.ahead.clear();
    else scope.ahead.delete(keyOf(kind, id));
  };
  /** Drops before and after the write: nothing read ahead while it ran is kept either. */
  const writing = async <T>(kind: string | null, id: string | undefined, write: () => Promise<T>): Promise<T> => {
    drop(kind, id);
    try {
      return await write();
    } finally {
      drop(kind, id);
    }
  };
  return {
    ...records,
    async find(kind, id) {
      const scope = requests.getStore();
      if (!scope) return records.find(kind, id);
      const key = keyOf(kind, id);
      if (scope.ahead.has(key)) {
        const record = scope.ahead.get(key) ?? null;
        scope.ahead.delete(key);
        return record;
      }
      const along = companions[kind] ?? [];
      if (along.length === 0) return records.find(kind, id);
      const writes = scope.writes;
      const [found, ...others] = await records.findMany([{ kind, id }, ...along.map((other) => ({ kind: other, id }))]);
      if (scope.writes === writes) {
        for (const [i, other] of along.entries()) scope.ahead.set(keyOf(other, id), others[i] ?? null);
      }
      return found ?? null;
    },
    upsert: (kind, id, payload, expiresAt, index) => writing(kind, id, () => records.upsert(kind, id, payload, expiresAt, index)),
    consume: (kind, id, at) => writing(kind, id, () => records.consume(kind, id, at)),
    destroy: (kind, id) => writing(kind, id, () => records.destroy(kind, id)),
    revokeByGrantId: (kind, grantId) => writing(null, undefined, () => records.revokeByGrantId(kind, grantId)),
    revokeByAccountId: (accountId) => writing(null, undefined, () => records.revokeByAccountId(accountId)),
  };
}

/** Hands out what was read ahead under `key` once, else reads it. */
async function takeOr<T>(key: string, read: () => Promise<T>): Promise<T> {
  const facts = requests.getStore()?.facts;
  if (facts?.has(key)) {
    const value = facts.get(key) as T;
    facts.delete(key);
    return value;
  }
  return read();
}

/** The facts read ahead are dropped by any write of this request to an account, its factors, codes or lockout. */
function writingPort<P extends object>(port: P, reads: string[]): P {
  const wrapped = { ...port } as Record<string, unknown>;
  for (const [name, method] of Object.entries(port)) {
    if (typeof method !== 'function' || reads.includes(name)) continue;
    wrapped[name] = async (...args: unknown[]) => {
      const scope = requests.getStore();
      const dropFacts = () => {
        if (!scope) return;
        scope.writes += 1;
        scope.facts.clear();
      };
      // before and after: nothing read ahead while the write ran is kept either
      dropFacts();
      try {
        return await (method as (...a: unknown[]) => unknown).apply(port, args);
      } finally {
        dropFacts();
      }
    };
  }
  return wrapped as P;
}

/**
 * The store reading, with an account found by id in a request, its factors, its unused recovery
 * codes and its lockout state in the same operation (AccountStore.findWithFacts, one round
 * trip): a second-factor page reads all four. The first read of each in the same request gets
 * what was read ahead, later ones read the store. Any write of the request to accounts,
 * factors, recovery codes or lockouts (or a transaction) drops them, and a read ahead that a
 * write overtook is not kept; nothing is kept across requests. Meant for the sign-in pages'
 * store, not for every caller: a request that needs the account alone pays for the rest.
 */
export function readingAheadFacts(store: Store): Store {
  const { accounts, factors, recoveryCodes, lockouts } = store;
  return {
    ...store,
    accounts: {
      ...writingPort(accounts, ['findById', 'findWithFacts', 'findByEmail', 'list', 'search']),
      async findById(id) {
        const scope = requests.getStore();
        if (!scope) return accounts.findById(id);
        const writes = scope.writes;
        const found = await accounts.findWithFacts(id);
        if (found && scope.writes === writes) {
          scope.facts.set(`factors ${id}`, found.factors);
          scope.facts.set(`unusedRecoveryCodes ${id}`, found.unusedRecoveryCodes);
          scope.facts.set(`lockout ${id}`, found.lockout);
        }
        return found?.account ?? null;
      },
    },
    factors: {
      ...writingPort(factors, ['find', 'findByCredentialId', 'listForAccount']),
      listForAccount: (accountId) => takeOr(`factors ${accountId}`, () => factors.listForAccount(accountId)),
    },
    recoveryCodes: {
      ...writingPort(recoveryCodes, ['countUnused']),
      countUnused: (accountId) => takeOr(`unusedRecoveryCodes ${accountId}`, () => recoveryCodes.countUnused(accountId)),
    },
    lockouts: {
      ...writingPort(lockouts, ['get']),
      get: (subject) => takeOr(`lockout ${subject}`, () => lockouts.get(subject)),
    },
    transaction: (accountId, work) => writingPort({ transaction: store.transaction }, []).transaction(accountId, work),
  };
}
