import { AsyncLocalStorage } from 'node:async_hooks';
import type { Account } from '../model/account.ts';
import type { Factor } from '../model/factor.ts';
import type { LockoutState } from '../model/lockout.ts';
import type { RecordStore, RecordWrite, Store, StoredRecord } from './ports.ts';

/**
 * What one request read ahead, each handed out once: records by `kind id`, and an account's
 * facts (`account id`, `factors id`, `unusedRecoveryCodes id`, `lockout id`); `writes` counts its writes.
 * `destroys` are the record destroys held back to go with the request's next write, and
 * `flush` sends them at its end.
 */
interface Scope {
  ahead: Map<string, StoredRecord | null>;
  facts: Map<string, Account | Factor[] | number | LockoutState | null>;
  writes: number;
  destroys: RecordWrite[];
  flush: (() => Promise<void>) | null;
}

const requests = new AsyncLocalStorage<Scope>();

/**
 * Runs `work` (one HTTP request) with its own read-ahead scope; outside one, nothing is read
 * ahead nor held back. Destroys still held back when `work` ends are sent before it returns,
 * so before koa's response, whatever the outcome of `work`. (oidc-provider answers its own
 * requests itself, before `work` returns; no destroy it makes is held back, only the pending
 * sign-in's, which Stepup's pages end.)
 */
export const inRequestScope = <T>(work: () => Promise<T>): Promise<T> => {
  const scope: Scope = { ahead: new Map(), facts: new Map(), writes: 0, destroys: [], flush: null };
  return requests.run(scope, async () => {
    try {
      return await work();
    } finally {
      await scope.flush?.();
    }
  });
};

const keyOf = (kind: string, id: string) => `${kind} ${id}`;

export interface ReadAhead {
  /** kinds read with a record of each kind, under the same id */
  companions: Record<string, string[]>;
  /** kinds whose destroys wait for the request's next record write, to go in its operation */
  destroyWithNextWrite: string[];
  /** kinds read with the account they name, which the next accounts.findById of the request gets */
  withAccount: string[];
}

/**
 * The record store reading, with a record of kind K, the records of the kinds `companions[K]`
 * under the same id, in the same operation (one round trip): the interaction and the pending
 * sign-in beside it are both read by every page of a sign-in. A record read ahead is handed to
 * the first find of it in the same request, and to no other: a later find reads the store
 * again. A write of this request to a record (upsert, consume, destroy) drops what was read
 * ahead of it, a revocation everything, and a read ahead that any write overtook is not kept:
 * a find never answers older than this request's own writes. Across requests and processes
 * nothing is kept: a read ahead is the same read, made a few milliseconds earlier within the
 * request, that the caller would have made.
 *
 * A record of a kind in `withAccount` (a refresh token, an authorization code) is read with the
 * account it names, in one operation, for the request's next `accounts.findById` of that
 * account (oidc-provider's findAccount, through `droppingReadAhead`), on the same terms.
 *
 * A destroy of a kind in `destroyWithNextWrite` (the pending sign-in, ended just before the
 * interaction's result is saved) is held back and sent in one operation with the request's
 * next write (RecordStore.write), or at the request's end; meanwhile this request finds no
 * such record, and any other read by uid, revocation or consume sends it first.
 */
export function readingAhead(records: RecordStore, { companions, destroyWithNextWrite, withAccount }: ReadAhead): RecordStore {
  /** A write of one record drops what was read ahead of it; a write of many (`null`), all. */
  const drop = (kind: string | null, id?: string) => {
    const scope = requests.getStore();
    if (!scope) return;
    scope.writes += 1;
    if (kind === null || id === undefined) scope.ahead.clear();
    else scope.ahead.delete(keyOf(kind, id));
  };
  /** The destroys held back, taken out of the scope to be sent now. */
  const heldBack = (): RecordWrite[] => {
    const scope = requests.getStore();
    if (!scope || scope.destroys.length === 0) return [];
    return scope.destroys.splice(0);
  };
  const flush = async () => {
    const batch = heldBack();
    if (batch.length > 0) await records.write(batch);
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
  /** The writes, with the destroys held back before them, in one operation. */
  const withHeldBack = (kind: string, id: string, w: RecordWrite) =>
    writing(kind, id, async () => {
      const batch = [...heldBack(), w];
      if (batch.length === 1 && w.op === 'upsert') await records.upsert(w.kind, w.id, w.payload, w.expiresAt, w.index);
      else if (batch.length === 1) await records.destroy(w.kind, w.id);
      else await records.write(batch);
    });
  const isHeldBack = (kind: string, id: string) => requests.getStore()?.destroys.some((w) => w.kind === kind && w.id === id) ?? false;

  return {
    ...records,
    async find(kind, id) {
      const scope = requests.getStore();
      if (!scope) return records.find(kind, id);
      if (isHeldBack(kind, id)) return null;
      const key = keyOf(kind, id);
      if (scope.ahead.has(key)) {
        const record = scope.ahead.get(key) ?? null;
        scope.ahead.delete(key);
        return record;
      }
      if (withAccount.includes(kind)) {
        const writes = scope.writes;
        const { record, account } = await records.findWithAccount(kind, id);
        if (account && scope.writes === writes) scope.facts.set(`account ${account.id}`, account);
        return record;
      }
      const along = companions[kind] ?? [];
      if (along.length === 0) return records.find(kind, id);
      const writes = scope.writes;
      const [found, ...others] = await records.findMany([{ kind, id }, ...along.map((other) => ({ kind: other, id }))]);
      if (scope.writes === writes) {
        for (const [i, other] of along.entries()) scope.ahead.set(keyOf(other, id), isHeldBack(other, id) ? null : (others[i] ?? null));
      }
      return found ?? null;
    },
    async findMany(keys) {
      await flush();
      return records.findMany(keys);
    },
    async findBy(kind, field, value) {
      await flush();
      return records.findBy(kind, field, value);
    },
    upsert: (kind, id, payload, expiresAt, index) => withHeldBack(kind, id, { op: 'upsert', kind, id, payload, expiresAt, index }),
    async destroy(kind, id) {
      const scope = requests.getStore();
      if (!scope || !destroyWithNextWrite.includes(kind)) return withHeldBack(kind, id, { op: 'destroy', kind, id });
      drop(kind, id);
      scope.destroys.push({ op: 'destroy', kind, id });
      scope.flush = flush;
    },
    async write(batch) {
      drop(null);
      await records.write([...heldBack(), ...batch]);
      drop(null);
    },
    consume: (kind, id, at) =>
      writing(kind, id, async () => {
        await flush();
        return records.consume(kind, id, at);
      }),
    revokeByGrantId: (kind, grantId) =>
      writing(null, undefined, async () => {
        await flush();
        await records.revokeByGrantId(kind, grantId);
      }),
    revokeByAccountId: (accountId) =>
      writing(null, undefined, async () => {
        await flush();
        return records.revokeByAccountId(accountId);
      }),
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
 * The store with what was read ahead of accounts, factors, recovery codes and lockouts dropped
 * by any write of the request to them (or a transaction), whichever part of the server writes:
 * every caller's store, so no write goes round it. Its `accounts.findById` gets an account read
 * ahead with a record (`withAccount`).
 */
export function droppingReadAhead(store: Store): Store {
  const accounts = writingPort(store.accounts, ['findById', 'findWithFacts', 'findByEmail', 'list', 'search']);
  return {
    ...store,
    accounts: { ...accounts, findById: (id) => takeOr(`account ${id}`, () => store.accounts.findById(id)) },
    factors: writingPort(store.factors, ['find', 'findByCredentialId', 'listForAccount']),
    recoveryCodes: writingPort(store.recoveryCodes, ['countUnused']),
    lockouts: writingPort(store.lockouts, ['get']),
    transaction: (accountId, work) => writingPort({ transaction: store.transaction }, []).transaction(accountId, work),
  };
}

/**
 * The sign-in pages' store (over `droppingReadAhead`'s): with an account found by id in a
 * request, it reads its factors, its unused recovery codes and its lockout state in the same
 * operation (AccountStore.findWithFacts, one round trip): a second-factor page reads all four.
 * The first read of each in the same request gets what was read ahead, later ones read the
 * store. Any write of the request to accounts, factors, recovery codes or lockouts drops them
 * (`droppingReadAhead`), and a read ahead that a write overtook is not kept; nothing is kept
 * across requests. Meant for the sign-in pages, not for every caller: a request that needs the
 * account alone would pay for the rest.
 */
export function readingAheadFacts(store: Store): Store {
  const { accounts, factors, recoveryCodes, lockouts } = store;
  return {
    ...store,
    accounts: {
      ...accounts,
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
    factors: { ...factors, listForAccount: (accountId) => takeOr(`factors ${accountId}`, () => factors.listForAccount(accountId)) },
    recoveryCodes: { ...recoveryCodes, countUnused: (accountId) => takeOr(`unusedRecoveryCodes ${accountId}`, () => recoveryCodes.countUnused(accountId)) },
    lockouts: { ...lockouts, get: (subject) => takeOr(`lockout ${subject}`, () => lockouts.get(subject)) },
  };
}
