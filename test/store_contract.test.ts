import { DuplicateError, type RecordStore, type Store } from '../src/store/ports.ts';
import { droppingReadAhead, inRequestScope, readingAhead, readingAheadFacts } from '../src/store/read_ahead.ts';
import type { TestClock } from './support/clock.ts';
import { skippedWithoutMongo } from './support/mongodb_server.ts';
import { type StoreUnderTest, storeAdapters } from './support/stores.ts';

const adapters = skippedWithoutMongo('the store contract on MongoDB') ? storeAdapters.filter(([name]) => name === 'sqlite') : storeAdapters;

let n = 0;
const unique = (prefix: string) => `${prefix}-${++n}-${Math.random().toString(36).slice(2, 8)}`;

describe.each(adapters)('%s store', (_name, open) => {
  let subject: StoreUnderTest;
  let store: Store;
  let clock: TestClock;

  beforeAll(async () => {
    subject = await open();
    ({ store, clock } = subject);
  });
  afterAll(() => subject.dispose());

  async function newAccount(email = `${unique('a')}@example.com`) {
    return store.accounts.create({ id: unique('acct'), email, phone: null, passwordHash: 'hash', createdAt: clock.now() });
  }

  describe('accounts', () => {
    test('create, find by id and by email, update the hash', async () => {
      const account = await newAccount();
      expect(await store.accounts.findById(account.id)).toEqual(account);
      expect(await store.accounts.findByEmail(account.email)).toEqual(account);
      await store.accounts.updatePasswordHash(account.id, 'new hash');
      expect((await store.accounts.findById(account.id))!.passwordHash).toBe('new hash');
      expect(await store.accounts.findById('missing')).toBeNull();
    });

    describe('with its facts in one read', () => {
      const totp = (accountId: string, createdAt: number, extra = {}) => ({
        id: unique('f'),
        accountId,
        kind: 'totp' as const,
        secretCiphertext: 'ct',
        target: null,
        confirmedAt: createdAt,
        lastTimeStep: null,
        createdAt,
        ...extra,
      });
      const passkey = { credentialId: unique('cred'), publicKey: 'pk', counter: 3, transports: ['usb'], name: 'Key', lastUsedAt: null };

      test('the account, its factors oldest first, unused codes and live lockout, as the reads one by one', async () => {
        const account = await newAccount();
        const other = await newAccount();
        const at = clock.now();
        await store.factors.add(totp(account.id, at + 2));
        await store.factors.add(totp(account.id, at + 1, { kind: 'webauthn', secretCiphertext: null, passkey }));
        await store.factors.add(totp(other.id, clock.now()));
        await store.recoveryCodes.replace(account.id, ['h1', 'h2', 'h3'], clock.now());
        await store.recoveryCodes.consume(account.id, 'h2', clock.now());
        await store.lockouts.attempt(account.id, 'password', 60_000);
        expect(await store.accounts.findWithFacts(account.id)).toEqual({
          account,
          factors: await store.factors.listForAccount(account.id),
          unusedRecoveryCodes: 2,
          lockout: await store.lockouts.get(account.id),
        });
        expect((await store.accounts.findWithFacts(account.id))!.factors.map((f) => f.kind)).toEqual(['webauthn', 'totp']);
        clock.advance(60_001);
        expect((await store.accounts.findWithFacts(account.id))!.lockout).toBeNull();
        clock.advance(-60_001);
        expect(await store.accounts.findWithFacts(other.id)).toEqual({
          account: other,
          factors: await store.factors.listForAccount(other.id),
          unusedRecoveryCodes: 0,
          lockout: null,
        });
        expect(await store.accounts.findWithFacts('missing')).toBeNull();
      });

      test('read ahead within a request: handed out once, dropped by a write (store/read_ahead.ts)', async () => {
        // every caller's store, and the sign-in pages' over it
        const shared = droppingReadAhead(store);
        const reading = readingAheadFacts(shared);
        const account = await newAccount();
        await store.factors.add(totp(account.id, clock.now()));
        await store.recoveryCodes.replace(account.id, ['h1'], clock.now());
        await inRequestScope(async () => {
          expect(await reading.accounts.findById(account.id)).toEqual(account);
          // another process adds a factor, spends the code and counts an attempt meanwhile
          await store.factors.add(totp(account.id, clock.now() + 1));
          await store.recoveryCodes.consume(account.id, 'h1', clock.now());
          await store.lockouts.attempt(account.id, 'second_factor', 60_000);
          // the first read of each is the one made with the account; the next reads the store
          expect(await reading.factors.listForAccount(account.id)).toHaveLength(1);
          expect(await reading.factors.listForAccount(account.id)).toHaveLength(2);
          expect(await reading.recoveryCodes.countUnused(account.id)).toBe(1);
          expect(await reading.recoveryCodes.countUnused(account.id)).toBe(0);
          expect(await reading.lockouts.get(account.id)).toBeNull();
          expect((await reading.lockouts.get(account.id))?.second_factor?.count).toBe(1);
        });
        await inRequestScope(async () => {
          await reading.accounts.findById(account.id);
          // this request's own write: never answered by the older read
          await reading.lockouts.attempt(account.id, 'second_factor', 60_000);
          // another part of the server writes through the shared store: dropped all the same
          await shared.factors.add(totp(account.id, clock.now() + 2));
          expect((await reading.lockouts.get(account.id))?.second_factor?.count).toBe(2);
          expect(await reading.factors.listForAccount(account.id)).toHaveLength(3);
        });
        // outside a request: plain reads
        expect(await reading.accounts.findById(account.id)).toEqual(account);
        expect(await reading.recoveryCodes.countUnused(account.id)).toBe(0);
      });
    });

    test('emails are unique regardless of case', async () => {
      const account = await newAccount();
      await expect(newAccount(account.email.toUpperCase())).rejects.toBeInstanceOf(DuplicateError);
      expect(await store.accounts.findByEmail(account.email.toUpperCase())).toEqual(account);
    });

    test('update email, phone and disabled; a taken email is refused and changes nothing', async () => {
      const account = await newAccount();
      const other = await newAccount();
      const email = `${unique('moved')}@example.com`;
      expect(await store.accounts.update(account.id, { email, phone: '+15550001111', disabled: true })).toMatchObject({
        email,
        phone: '+15550001111',
        disabled: true,
      });
      expect(await store.accounts.update(account.id, { email: undefined, phone: null, disabled: false })).toMatchObject({
        email,
        phone: null,
        disabled: false,
      });
      expect(await store.accounts.findByEmail(email.toUpperCase())).toMatchObject({ id: account.id });
      await expect(store.accounts.update(account.id, { email: other.email.toUpperCase() })).rejects.toBeInstanceOf(DuplicateError);
      expect((await store.accounts.findById(account.id))!.email).toBe(email);
      expect(await store.accounts.update('missing', { disabled: true })).toBeNull();
    });

    test('search by part of the email or phone, any case, with paging; wildcards match themselves', async () => {
      const tag = unique('srch');
      for (const name of ['b', 'a', 'c']) await newAccount(`${tag}.${name}@example.com`);
      await store.accounts.update((await store.accounts.findByEmail(`${tag}.c@example.com`))!.id, { phone: '+15557654321' });
      const page = await store.accounts.search({ text: tag.toUpperCase(), limit: 2, offset: 1 });
      expect(page.total).toBe(3);
      expect(page.accounts.map((a) => a.email)).toEqual([`${tag}.b@example.com`, `${tag}.c@example.com`]);
      expect((await store.accounts.search({ text: '7654321', limit: 10, offset: 0 })).accounts.map((a) => a.email)).toEqual([`${tag}.c@example.com`]);
      expect((await store.accounts.search({ text: '%', limit: 10, offset: 0 })).total).toBe(0);
      expect((await store.accounts.search({ text: '.*', limit: 10, offset: 0 })).total).toBe(0);
    });
  });

  describe('clients', () => {
    test('create, find, list, remove; ids are unique', async () => {
      const client = {
        clientId: unique('client'),
        metadata: { client_name: 'A', redirect_uris: ['https://a.example/cb'] },
        secretCiphertext: 'ct',
        createdAt: clock.now(),
      };
      await store.clients.create(client);
      expect(await store.clients.find(client.clientId)).toEqual(client);
      await expect(store.clients.create(client)).rejects.toBeInstanceOf(DuplicateError);
      expect((await store.clients.list()).map((c) => c.clientId)).toContain(client.clientId);
      const changed = { ...client, metadata: { ...client.metadata, client_name: 'B' }, secretCiphertext: 'ct2' };
      expect(await store.clients.update(changed)).toBe(true);
      expect(await store.clients.find(client.clientId)).toEqual(changed);
      expect(await store.clients.update({ ...changed, clientId: 'missing' })).toBe(false);
      expect(await store.clients.remove(client.clientId)).toBe(true);
      expect(await store.clients.remove(client.clientId)).toBe(false);
      expect(await store.clients.find(client.clientId)).toBeNull();
    });
  });

  describe('factors', () => {
    async function newFactor() {
      const account = await newAccount();
      const factor = {
        id: unique('f'),
        accountId: account.id,
        kind: 'totp' as const,
        secretCiphertext: 'ct',
        target: null,
        confirmedAt: null,
        lastTimeStep: null,
        createdAt: clock.now(),
      };
      await store.factors.add(factor);
      return factor;
    }

    test('add, list, remove', async () => {
      const factor = await newFactor();
      const confirmed = { ...factor, id: unique('f'), confirmedAt: 1234 };
      await store.factors.add(confirmed);
      expect(await store.factors.listForAccount(factor.accountId)).toEqual([factor, confirmed]);
      await store.factors.remove(confirmed.id);
      expect(await store.factors.find(confirmed.id)).toBeNull();
    });

    test('a time step is accepted once, and never an older one', async () => {
      const factor = await newFactor();
      expect(await store.factors.acceptTimeStep(factor.id, 100)).toBe(true);
      expect(await store.factors.acceptTimeStep(factor.id, 100)).toBe(false);
      expect(await store.factors.acceptTimeStep(factor.id, 99)).toBe(false);
      expect(await store.factors.acceptTimeStep(factor.id, 101)).toBe(true);
      expect((await store.factors.find(factor.id))!.lastTimeStep).toBe(101);
    });

    test('of many concurrent attempts at one time step exactly one wins', async () => {
      const factor = await newFactor();
      const results = await Promise.all(Array.from({ length: 50 }, () => store.factors.acceptTimeStep(factor.id, 500)));
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    async function newPasskey(counter: number) {
      const account = await newAccount();
      const factor = {
        id: unique('f'),
        accountId: account.id,
        kind: 'webauthn' as const,
        secretCiphertext: null,
        target: null,
        confirmedAt: clock.now(),
        lastTimeStep: null,
        createdAt: clock.now(),
        passkey: {
          credentialId: unique('cred'),
          publicKey: 'pQECAyYgASFYIA',
          counter,
          transports: ['internal', 'hybrid'],
          synced: false,
          backedUp: false,
          userVerified: true,
          name: 'Laptop',
          lastUsedAt: null,
        },
      };
      await store.factors.add(factor);
      return factor;
    }

    test('a passkey is found by its credential id, which no other account can register', async () => {
      const factor = await newPasskey(0);
      expect(await store.factors.findByCredentialId(factor.passkey.credentialId)).toEqual(factor);
      expect(await store.factors.findByCredentialId('unknown')).toBeNull();
      const other = await newAccount();
      await expect(store.factors.add({ ...factor, id: unique('f'), accountId: other.id })).rejects.toBeInstanceOf(DuplicateError);
      expect(await store.factors.listForAccount(other.id)).toEqual([]);
    });

    test('a passkey is renamed; other factors have no name to change', async () => {
      const factor = await newPasskey(0);
      expect(await store.factors.renamePasskey(factor.id, 'Phone')).toBe(true);
      expect((await store.factors.find(factor.id))!.passkey!.name).toBe('Phone');
      expect(await store.factors.renamePasskey((await newFactor()).id, 'x')).toBe(false);
    });

    test("a passkey's signature counter only goes up; one that keeps none stays at 0", async () => {
      const counting = await newPasskey(5);
      expect(await store.factors.acceptPasskeyUse(counting.id, 5, 1000)).toBe(false);
      expect(await store.factors.acceptPasskeyUse(counting.id, 4, 1000)).toBe(false);
      expect(await store.factors.acceptPasskeyUse(counting.id, 0, 1000)).toBe(false);
      expect(await store.factors.acceptPasskeyUse(counting.id, 6, 1000)).toBe(true);
      expect((await store.factors.find(counting.id))!.passkey).toMatchObject({ counter: 6, lastUsedAt: 1000 });
      const uncounted = await newPasskey(0);
      expect(await store.factors.acceptPasskeyUse(uncounted.id, 0, 2000)).toBe(true);
      expect(await store.factors.acceptPasskeyUse(uncounted.id, 0, 3000)).toBe(true);
      expect((await store.factors.find(uncounted.id))!.passkey).toMatchObject({ counter: 0, lastUsedAt: 3000 });
    });

    test('of many concurrent uses with one counter value exactly one wins', async () => {
      const factor = await newPasskey(1);
      const results = await Promise.all(Array.from({ length: 30 }, () => store.factors.acceptPasskeyUse(factor.id, 2, 1)));
      expect(results.filter(Boolean)).toHaveLength(1);
    });
  });

  describe('recovery codes', () => {
    test('each code is consumed once; replacing them voids the old ones', async () => {
      const account = await newAccount();
      await store.recoveryCodes.replace(account.id, ['h1', 'h2', 'h3'], clock.now());
      expect(await store.recoveryCodes.countUnused(account.id)).toBe(3);
      expect(await store.recoveryCodes.consume(account.id, 'h2', clock.now())).toBe(true);
      expect(await store.recoveryCodes.consume(account.id, 'h2', clock.now())).toBe(false);
      expect(await store.recoveryCodes.consume(account.id, 'unknown', clock.now())).toBe(false);
      expect(await store.recoveryCodes.countUnused(account.id)).toBe(2);

      await store.recoveryCodes.replace(account.id, ['h4'], clock.now());
      expect(await store.recoveryCodes.consume(account.id, 'h1', clock.now())).toBe(false);
      expect(await store.recoveryCodes.countUnused(account.id)).toBe(1);
    });

    test('concurrent use of one code: exactly one wins', async () => {
      const account = await newAccount();
      await store.recoveryCodes.replace(account.id, ['only'], clock.now());
      const results = await Promise.all(Array.from({ length: 50 }, () => store.recoveryCodes.consume(account.id, 'only', clock.now())));
      expect(results.filter(Boolean)).toHaveLength(1);
    });
  });

  describe('transactions', () => {
    const confirmedFactor = (accountId: string) => ({
      id: unique('f'),
      accountId,
      kind: 'email' as const,
      secretCiphertext: null,
      target: 'x@example.com',
      confirmedAt: 1,
      lastTimeStep: null,
      createdAt: clock.now(),
    });

    test("a transaction that throws leaves nothing written; another request's write in the meantime stays", async () => {
      const account = await newAccount();
      await store.recoveryCodes.replace(account.id, ['old'], clock.now());
      const inside = confirmedFactor(account.id);
      const outside = confirmedFactor(account.id);
      const failing = store.transaction(account.id, async (tx) => {
        await tx.factors.add(inside);
        await tx.recoveryCodes.replace(account.id, ['new1', 'new2'], clock.now());
        expect(await tx.recoveryCodes.countUnused(account.id)).toBe(2);
        await new Promise((resolve) => setTimeout(resolve, 50));
        throw new Error('work failed');
      });
      await store.factors.add(outside);
      await expect(failing).rejects.toThrow('work failed');
      expect((await store.factors.listForAccount(account.id)).map((f) => f.id)).toEqual([outside.id]);
      expect(await store.recoveryCodes.consume(account.id, 'new1', clock.now())).toBe(false);
      expect(await store.recoveryCodes.consume(account.id, 'old', clock.now())).toBe(true);
    });

    test("two removals at once of an account's two factors, each only if another remains, leave one", async () => {
      const removeUnlessLast = (accountId: string, factorId: string) =>
        store.transaction(accountId, async (tx) => {
          const confirmed = (await tx.factors.listForAccount(accountId)).filter((f) => f.confirmedAt !== null);
          if (confirmed.length < 2) return 'last';
          await tx.factors.remove(factorId);
          return 'removed';
        });
      const accounts = await Promise.all(Array.from({ length: 5 }, () => newAccount()));
      const outcomes = await Promise.all(
        accounts.map(async (account) => {
          const pair = [confirmedFactor(account.id), confirmedFactor(account.id)];
          for (const factor of pair) await store.factors.add(factor);
          return Promise.all(pair.map((f) => removeUnlessLast(account.id, f.id)));
        }),
      );
      for (const [i, pair] of outcomes.entries()) {
        expect(pair.sort()).toEqual(['last', 'removed']);
        expect(await store.factors.listForAccount(accounts[i]!.id)).toHaveLength(1);
      }
    });

    test('replacements of the recovery codes at once leave exactly one set', async () => {
      const account = await newAccount();
      const sets = Array.from({ length: 5 }, (_, i) => [`s${i}a`, `s${i}b`, `s${i}c`]);
      await Promise.all(sets.map((set) => store.transaction(account.id, (tx) => tx.recoveryCodes.replace(account.id, set, clock.now()))));
      expect(await store.recoveryCodes.countUnused(account.id)).toBe(3);
      const working = [];
      for (const set of sets) if (await store.recoveryCodes.consume(account.id, set[0]!, clock.now())) working.push(set);
      expect(working).toHaveLength(1);
      for (const hash of working[0]!.slice(1)) expect(await store.recoveryCodes.consume(account.id, hash, clock.now())).toBe(true);
    });
  });

  describe('issued codes', () => {
    async function factorFor() {
      const account = await newAccount();
      const factor = {
        id: unique('f'),
        accountId: account.id,
        kind: 'email' as const,
        secretCiphertext: null,
        target: account.email,
        confirmedAt: 1,
        lastTimeStep: null,
        createdAt: clock.now(),
      };
      await store.factors.add(factor);
      return factor;
    }

    test('issue, find live, consume once; a new code replaces the old', async () => {
      const factor = await factorFor();
      await store.issuedCodes.issue({
        factorId: factor.id,
        accountId: factor.accountId,
        codeHash: 'h1',
        expiresAt: clock.now() + 60_000,
        createdAt: clock.now(),
      });
      expect(await store.issuedCodes.findLive(factor.id)).toMatchObject({ codeHash: 'h1', attempts: 0, consumedAt: null });
      await store.issuedCodes.issue({
        factorId: factor.id,
        accountId: factor.accountId,
        codeHash: 'h2',
        expiresAt: clock.now() + 60_000,
        createdAt: clock.now(),
      });
      expect(await store.issuedCodes.consume(factor.id, 'h1', 5, clock.now())).toBe(false);
      expect(await store.issuedCodes.consume(factor.id, 'h2', 5, clock.now())).toBe(true);
      expect(await store.issuedCodes.consume(factor.id, 'h2', 5, clock.now())).toBe(false);
      expect(await store.issuedCodes.findLive(factor.id)).toBeNull();
    });

    test('wrong tries are counted; at the limit the right code no longer works', async () => {
      const factor = await factorFor();
      await store.issuedCodes.issue({
        factorId: factor.id,
        accountId: factor.accountId,
        codeHash: 'h',
        expiresAt: clock.now() + 60_000,
        createdAt: clock.now(),
      });
      for (let i = 1; i <= 3; i += 1) expect(await store.issuedCodes.addAttempt(factor.id)).toBe(i);
      expect(await store.issuedCodes.consume(factor.id, 'h', 3, clock.now())).toBe(false);
      expect(await store.issuedCodes.consume(factor.id, 'h', 4, clock.now())).toBe(true);
    });

    test('an expired code is not live and cannot be consumed', async () => {
      const factor = await factorFor();
      await store.issuedCodes.issue({
        factorId: factor.id,
        accountId: factor.accountId,
        codeHash: 'h',
        expiresAt: clock.now() + 1_000,
        createdAt: clock.now(),
      });
      clock.advance(1_001);
      try {
        expect(await store.issuedCodes.findLive(factor.id)).toBeNull();
        expect(await store.issuedCodes.consume(factor.id, 'h', 5, clock.now())).toBe(false);
      } finally {
        clock.advance(-1_001);
      }
    });

    test('a code may go to a factor still being enrolled; expired codes are swept', async () => {
      const account = await newAccount();
      const pendingId = unique('pending');
      await store.issuedCodes.issue({ factorId: pendingId, accountId: account.id, codeHash: 'h', expiresAt: clock.now() + 1_000, createdAt: clock.now() });
      expect(await store.issuedCodes.findLive(pendingId)).toMatchObject({ codeHash: 'h' });
      clock.advance(1_001);
      try {
        expect(await store.issuedCodes.sweep()).toBeGreaterThanOrEqual(1);
      } finally {
        clock.advance(-1_001);
      }
      expect(await store.issuedCodes.findLive(pendingId)).toBeNull();
    });

    test('concurrent use of one code: exactly one wins', async () => {
      const factor = await factorFor();
      await store.issuedCodes.issue({
        factorId: factor.id,
        accountId: factor.accountId,
        codeHash: 'h',
        expiresAt: clock.now() + 60_000,
        createdAt: clock.now(),
      });
      const results = await Promise.all(Array.from({ length: 50 }, () => store.issuedCodes.consume(factor.id, 'h', 5, clock.now())));
      expect(results.filter(Boolean)).toHaveLength(1);
    });
  });

  describe('delivery log', () => {
    const delivery = (accountId: string, createdAt: number, extra: object = {}) => ({
      id: unique('d'),
      accountId,
      channel: 'sms' as const,
      maskedTo: '+1****4567',
      purpose: 'code' as const,
      result: 'sent' as const,
      reason: null,
      providerMessageId: unique('SM'),
      fallbackFrom: null,
      status: null,
      createdAt,
      ...extra,
    });

    test('newest listed first, status updated by provider id', async () => {
      const account = await newAccount();
      const old = delivery(account.id, 1_000);
      const recent = delivery(account.id, 5_000);
      const alert = delivery(account.id, 6_000, { purpose: 'alert' });
      for (const d of [old, recent, alert]) await store.deliveries.add(d);
      expect((await store.deliveries.listForAccount(account.id, 2)).map((d) => d.id)).toEqual([alert.id, recent.id]);
      expect(await store.deliveries.updateStatus(recent.providerMessageId, 'delivered')).toBe(true);
      expect(await store.deliveries.updateStatus('SMunknown', 'delivered')).toBe(false);
      expect((await store.deliveries.listForAccount(account.id, 3)).find((d) => d.id === recent.id)!.status).toBe('delivered');
    });

    test("every account's deliveries in a time range, newest first, in pages", async () => {
      const [one, two] = [await newAccount(), await newAccount()];
      const base = 9_000_000_000_000;
      const sent = [delivery(one.id, base + 1), delivery(two.id, base + 2, { channel: 'email' }), delivery(one.id, base + 3), delivery(two.id, base + 9)];
      for (const d of sent) await store.deliveries.add(d);
      const range = { since: base + 1, until: base + 9 };
      expect((await store.deliveries.list({ ...range, limit: 10 })).map((d) => d.id)).toEqual([sent[2]!.id, sent[1]!.id, sent[0]!.id]);
      expect((await store.deliveries.list({ ...range, limit: 1, offset: 1 })).map((d) => d.id)).toEqual([sent[1]!.id]);
    });
  });

  describe('audit log', () => {
    test('filtered by client and result, in pages', async () => {
      const base = 8_000_000_000_000;
      const clientId = unique('client');
      const event = (at: number, result: 'ok' | 'failed', client: string | null) => ({
        id: unique('e'),
        at,
        type: 'login_failed' as const,
        accountId: null,
        email: 'x@example.com',
        clientId: client,
        ip: null,
        userAgent: null,
        channel: 'password',
        result,
        detail: null,
      });
      const events = [
        event(base + 1, 'failed', clientId),
        event(base + 2, 'ok', clientId),
        event(base + 3, 'failed', clientId),
        event(base + 4, 'failed', null),
      ];
      for (const e of events) await store.audit.add(e);
      const failed = await store.audit.query({ clientId, result: 'failed', since: base, limit: 10 });
      expect(failed.map((e) => e.id)).toEqual([events[2]!.id, events[0]!.id]);
      expect((await store.audit.query({ clientId, since: base, limit: 1, offset: 1 })).map((e) => e.id)).toEqual([events[1]!.id]);
    });
  });

  describe('records', () => {
    test('upsert, find, find by uid, by user code; destroy', async () => {
      const id = unique('r');
      await store.records.upsert('Session', id, { uid: `u-${id}`, accountId: 'x' }, clock.now() + 60_000, { uid: `u-${id}` });
      expect((await store.records.find('Session', id))!.payload).toEqual({ uid: `u-${id}`, accountId: 'x' });
      expect((await store.records.findBy('Session', 'uid', `u-${id}`))!.payload.accountId).toBe('x');
      expect(await store.records.find('Interaction', id)).toBeNull();

      await store.records.upsert('DeviceCode', id, { userCode: `UC${id}` }, null, { userCode: `UC${id}` });
      expect(await store.records.findBy('DeviceCode', 'userCode', `UC${id}`)).not.toBeNull();

      await store.records.upsert('Session', id, { uid: `u-${id}`, accountId: 'y' }, clock.now() + 60_000, { uid: `u-${id}` });
      expect((await store.records.find('Session', id))!.payload.accountId).toBe('y');
      await store.records.destroy('Session', id);
      expect(await store.records.find('Session', id)).toBeNull();
    });

    test('several records in one operation, in the order asked; missing and expired ones null', async () => {
      const id = unique('r');
      await store.records.upsert('Interaction', id, { n: 1 }, clock.now() + 60_000, { uid: id });
      await store.records.upsert('PendingSignIn', id, { n: 2 }, clock.now() + 60_000, { accountId: 'x' });
      await store.records.upsert('Session', id, { n: 3 }, clock.now() + 1_000);
      const wanted = [
        { kind: 'PendingSignIn', id },
        { kind: 'Grant', id },
        { kind: 'Interaction', id },
        { kind: 'Session', id },
      ];
      expect((await store.records.findMany(wanted)).map((record) => record?.payload.n ?? null)).toEqual([2, null, 1, 3]);
      clock.advance(1_001);
      expect((await store.records.findMany(wanted)).map((record) => record?.payload.n ?? null)).toEqual([2, null, 1, null]);
      clock.advance(-1_001);
      expect(await store.records.findMany([])).toEqual([]);
    });

    test('a record with the account it names, in one operation', async () => {
      const account = await newAccount();
      const id = unique('rt');
      await store.records.upsert('RefreshToken', id, { n: 1 }, clock.now() + 1_000, { accountId: account.id });
      await store.records.upsert('Session', id, { n: 2 }, clock.now() + 60_000);
      await store.records.upsert('AccessToken', id, { n: 3 }, clock.now() + 60_000, { accountId: 'gone' });
      expect(await store.records.findWithAccount('RefreshToken', id)).toEqual({ record: await store.records.find('RefreshToken', id), account });
      expect(await store.records.findWithAccount('Session', id)).toEqual({ record: await store.records.find('Session', id), account: null });
      expect(await store.records.findWithAccount('AccessToken', id)).toEqual({ record: await store.records.find('AccessToken', id), account: null });
      expect(await store.records.findWithAccount('Grant', id)).toEqual({ record: null, account: null });
      clock.advance(1_001);
      expect(await store.records.findWithAccount('RefreshToken', id)).toEqual({ record: null, account: null });
      clock.advance(-1_001);
    });

    describe('read ahead within a request (store/read_ahead.ts)', () => {
      const companions = { companions: { Interaction: ['PendingSignIn'] }, destroyWithNextWrite: ['PendingSignIn'], withAccount: ['RefreshToken'] };
      async function pair(n: number) {
        const id = unique('i');
        await store.records.upsert('Interaction', id, { n }, clock.now() + 60_000, { uid: id });
        await store.records.upsert('PendingSignIn', id, { n }, clock.now() + 60_000, { accountId: 'x' });
        return id;
      }
      const n = (record: { payload: Record<string, unknown> } | null) => record?.payload.n ?? null;

      test('the companion comes with the record, to the first find of this request only', async () => {
        const records = readingAhead(store.records, companions);
        const id = await pair(1);
        await inRequestScope(async () => {
          expect(n(await records.find('Interaction', id))).toBe(1);
          // another process changes the record: the first find is the read made ahead, the next one sees the change
          await store.records.upsert('PendingSignIn', id, { n: 2 }, clock.now() + 60_000, { accountId: 'x' });
          expect(n(await records.find('PendingSignIn', id))).toBe(1);
          expect(n(await records.find('PendingSignIn', id))).toBe(2);
        });
        // another request reads its own
        await inRequestScope(async () => expect(n(await records.find('PendingSignIn', id))).toBe(2));
      });

      test("this request's writes are never answered by an older read", async () => {
        const records = readingAhead(store.records, companions);
        const id = await pair(1);
        await inRequestScope(async () => {
          await records.find('Interaction', id);
          await records.upsert('PendingSignIn', id, { n: 3 }, clock.now() + 60_000, { accountId: 'x' });
          expect(n(await records.find('PendingSignIn', id))).toBe(3);
        });
        await inRequestScope(async () => {
          await records.find('Interaction', id);
          await records.destroy('PendingSignIn', id);
          expect(await records.find('PendingSignIn', id)).toBeNull();
        });
        const other = await pair(4);
        await inRequestScope(async () => {
          await records.find('Interaction', other);
          await records.revokeByAccountId('x');
          expect(await records.find('PendingSignIn', other)).toBeNull();
        });
      });

      test("a pending sign-in's destroy goes with the request's next write, or at its end", async () => {
        const calls: string[] = [];
        const counted = new Proxy(store.records, {
          get: (target, name: keyof RecordStore) =>
            typeof target[name] === 'function'
              ? (...args: unknown[]) => {
                  calls.push(String(name));
                  return (target[name] as (...a: unknown[]) => unknown).apply(target, args);
                }
              : target[name],
        });
        const records = readingAhead(counted, companions);
        const id = await pair(1);
        await inRequestScope(async () => {
          await records.destroy('PendingSignIn', id);
          // this request finds it no more; others still do until the next write
          expect(await records.find('PendingSignIn', id)).toBeNull();
          expect(n(await store.records.find('PendingSignIn', id))).toBe(1);
          await records.upsert('Interaction', id, { n: 2 }, clock.now() + 60_000, { uid: id });
          expect(await store.records.find('PendingSignIn', id)).toBeNull();
          expect(n(await store.records.find('Interaction', id))).toBe(2);
        });
        expect(calls).toEqual(['write']);

        calls.length = 0;
        const other = await pair(3);
        await inRequestScope(async () => {
          await records.destroy('PendingSignIn', other);
          expect(n(await store.records.find('PendingSignIn', other))).toBe(3);
        });
        // sent when the request ended
        expect(await store.records.find('PendingSignIn', other)).toBeNull();
        expect(calls).toEqual(['write']);

        // outside a request, and for other kinds, a destroy is sent at once
        const third = await pair(5);
        await records.destroy('PendingSignIn', third);
        expect(await store.records.find('PendingSignIn', third)).toBeNull();
        await inRequestScope(async () => {
          await records.destroy('Interaction', third);
          expect(await store.records.find('Interaction', third)).toBeNull();
        });
      });

      test("a refresh token's account comes with it, to the request's next findById of that account", async () => {
        const records = readingAhead(store.records, companions);
        const { accounts } = droppingReadAhead(store);
        const account = await newAccount();
        const id = unique('rt');
        await store.records.upsert('RefreshToken', id, { n: 1, accountId: account.id }, clock.now() + 60_000, { accountId: account.id, grantId: 'g' });
        await inRequestScope(async () => {
          expect(n(await records.find('RefreshToken', id))).toBe(1);
          // disabled by another process meanwhile: the first read is the one made with the token
          await store.accounts.update(account.id, { disabled: true });
          expect((await accounts.findById(account.id))?.disabled).toBe(false);
          expect((await accounts.findById(account.id))?.disabled).toBe(true);
        });
        await inRequestScope(async () => {
          await records.find('RefreshToken', id);
          // this request's own write is never answered by the older read
          await accounts.update(account.id, { disabled: false });
          expect((await accounts.findById(account.id))?.disabled).toBe(false);
        });
      });

      test('a batch of writes in one operation, in order', async () => {
        const id = unique('w');
        await store.records.upsert('PendingSignIn', id, { n: 1 }, clock.now() + 60_000);
        await store.records.write([
          { op: 'destroy', kind: 'PendingSignIn', id },
          { op: 'upsert', kind: 'Interaction', id, payload: { n: 2 }, expiresAt: clock.now() + 60_000, index: { uid: `u-${id}` } },
          { op: 'upsert', kind: 'Session', id, payload: { n: 3 }, expiresAt: null },
          { op: 'destroy', kind: 'Session', id },
        ]);
        expect(await store.records.find('PendingSignIn', id)).toBeNull();
        expect(n(await store.records.findBy('Interaction', 'uid', `u-${id}`))).toBe(2);
        expect(await store.records.find('Session', id)).toBeNull();
        await store.records.write([]);
      });

      test('a missing companion is read ahead as missing; outside a request nothing is read ahead', async () => {
        const records = readingAhead(store.records, companions);
        const id = unique('i');
        await store.records.upsert('Interaction', id, { n: 5 }, clock.now() + 60_000, { uid: id });
        await inRequestScope(async () => {
          expect(n(await records.find('Interaction', id))).toBe(5);
          expect(await records.find('PendingSignIn', id)).toBeNull();
        });
        expect(n(await records.find('Interaction', id))).toBe(5);
        await store.records.upsert('PendingSignIn', id, { n: 6 }, clock.now() + 60_000, { accountId: 'x' });
        expect(n(await records.find('PendingSignIn', id))).toBe(6);
      });
    });

    test('expired records are never returned, and sweeping deletes them', async () => {
      const id = unique('r');
      await store.records.upsert('AccessToken', id, { uid: `e-${id}` }, clock.now() + 1_000, { uid: `e-${id}` });
      expect(await store.records.find('AccessToken', id)).not.toBeNull();
      clock.advance(1_001);
      expect(await store.records.find('AccessToken', id)).toBeNull();
      expect(await store.records.findBy('AccessToken', 'uid', `e-${id}`)).toBeNull();
      expect(await store.records.consume('AccessToken', id, clock.now())).toBe(false);
      expect(await store.records.sweep()).toBeGreaterThanOrEqual(1);
      clock.advance(-1_001);
      expect(await store.records.find('AccessToken', id)).toBeNull();
    });

    test('consume marks once; the consumed time is kept', async () => {
      const id = unique('code');
      await store.records.upsert('AuthorizationCode', id, { grantId: 'g' }, clock.now() + 60_000, { grantId: 'g' });
      expect((await store.records.find('AuthorizationCode', id))!.consumedAt).toBeNull();
      expect(await store.records.consume('AuthorizationCode', id, 5_000)).toBe(true);
      expect(await store.records.consume('AuthorizationCode', id, 6_000)).toBe(false);
      expect((await store.records.find('AuthorizationCode', id))!.consumedAt).toBe(5_000);
    });

    test('concurrent consume of one code: exactly one wins', async () => {
      const id = unique('code');
      await store.records.upsert('RefreshToken', id, {}, clock.now() + 60_000);
      const results = await Promise.all(Array.from({ length: 50 }, () => store.records.consume('RefreshToken', id, clock.now())));
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    test('revoking a grant removes its records of that kind only: its interaction stays', async () => {
      const grantId = unique('grant');
      const ids = [unique('a'), unique('b')];
      for (const id of ids) await store.records.upsert('AccessToken', id, { grantId }, clock.now() + 60_000, { grantId });
      const other = unique('c');
      await store.records.upsert('AccessToken', other, { grantId: 'other' }, clock.now() + 60_000, { grantId: 'other' });
      const interaction = unique('i');
      await store.records.upsert('Interaction', interaction, { grantId }, clock.now() + 60_000, { grantId });
      await store.records.revokeByGrantId('AccessToken', grantId);
      for (const id of ids) expect(await store.records.find('AccessToken', id)).toBeNull();
      expect(await store.records.find('AccessToken', other)).not.toBeNull();
      expect(await store.records.find('Interaction', interaction)).not.toBeNull();
    });

    test("revoking an account removes its sessions, grants and tokens, and nobody else's", async () => {
      const accountId = unique('acct');
      await store.records.upsert('Session', unique('s'), { accountId }, clock.now() + 60_000, { accountId });
      await store.records.upsert('RefreshToken', unique('r'), { accountId }, clock.now() + 60_000, { accountId, grantId: unique('g') });
      const other = unique('o');
      await store.records.upsert('Session', other, { accountId: 'someone else' }, clock.now() + 60_000, { accountId: 'someone else' });
      expect(await store.records.revokeByAccountId(accountId)).toBe(2);
      expect(await store.records.revokeByAccountId(accountId)).toBe(0);
      expect(await store.records.find('Session', other)).not.toBeNull();
    });
  });

  describe('counters', () => {
    test('a window counts up; after it ends a new one starts at 1', async () => {
      const key = unique('c');
      expect(await store.counters.peek(key)).toBeNull();
      const before = clock.now();
      const first = await store.counters.hit(key, 60_000);
      expect(first.count).toBe(1);
      expect(first.expiresAt).toBeGreaterThanOrEqual(before + 60_000);
      expect(first.expiresAt).toBeLessThanOrEqual(clock.now() + 60_000);
      expect((await store.counters.hit(key, 60_000)).count).toBe(2);
      expect(await store.counters.hit(key, 60_000)).toEqual({ count: 3, expiresAt: first.expiresAt });
      expect(await store.counters.peek(key)).toEqual({ count: 3, expiresAt: first.expiresAt });
      clock.advance(60_001);
      expect(await store.counters.peek(key)).toBeNull();
      const renewed = await store.counters.hit(key, 60_000);
      expect(renewed.count).toBe(1);
      expect(renewed.expiresAt).toBeGreaterThan(first.expiresAt);
    });

    test('several counters hit in one operation: each counted, those over their limit answered', async () => {
      const [a, b, fresh] = [unique('a'), unique('b'), unique('fresh')];
      await store.counters.hit(a, 60_000);
      await store.counters.hit(b, 60_000);
      const hits = [
        { key: a, windowMs: 60_000, limit: 2 },
        { key: fresh, windowMs: 60_000, limit: 2 },
        { key: b, windowMs: 60_000, limit: 5 },
      ];
      expect(await store.counters.hitAll(hits)).toEqual([null, null, null]);
      expect((await store.counters.peek(a))?.count).toBe(2);
      expect((await store.counters.peek(fresh))?.count).toBe(1);
      const over = await store.counters.hitAll(hits);
      expect(over[0]).toEqual({ count: 3, expiresAt: (await store.counters.peek(a))!.expiresAt });
      expect(over.slice(1)).toEqual([null, null]);
      expect((await store.counters.peek(b))?.count).toBe(3);
      // over the limit, each hit still counts, as hit does
      expect((await store.counters.hitAll(hits))[0]?.count).toBe(4);
      // a window that ended starts anew at 1
      clock.advance(60_001);
      expect(await store.counters.hitAll(hits)).toEqual([null, null, null]);
      expect((await store.counters.peek(a))?.count).toBe(1);
      clock.advance(-60_001);
      expect(await store.counters.hitAll([])).toEqual([]);
    });

    test('concurrent hits of several counters, new or whose window ended, count every one', async () => {
      const [a, b] = [unique('a'), unique('b')];
      const hits = [
        { key: a, windowMs: 60_000, limit: 1_000 },
        { key: b, windowMs: 60_000, limit: 5 },
      ];
      const results = await Promise.all(Array.from({ length: 20 }, () => store.counters.hitAll(hits)));
      expect((await store.counters.peek(a))?.count).toBe(20);
      expect((await store.counters.peek(b))?.count).toBe(20);
      expect(results.filter(([first]) => first !== null)).toHaveLength(0);
      expect(results.filter(([, second]) => second !== null)).toHaveLength(15);
      clock.advance(60_001);
      await Promise.all(Array.from({ length: 10 }, () => store.counters.hitAll(hits)));
      expect((await store.counters.peek(a))?.count).toBe(10);
      expect((await store.counters.peek(b))?.count).toBe(10);
      clock.advance(-60_001);
    });

    test('clear deletes every key given, and only those', async () => {
      const [a, b, c] = [unique('a'), unique('b'), unique('c')];
      for (const key of [a, b, c]) await store.counters.hit(key, 60_000);
      await store.counters.clear(a, b, unique('never hit'));
      expect(await store.counters.peek(a)).toBeNull();
      expect(await store.counters.peek(b)).toBeNull();
      expect((await store.counters.peek(c))?.count).toBe(1);
      await store.counters.clear(c);
      expect(await store.counters.peek(c)).toBeNull();
      expect((await store.counters.hit(a, 60_000)).count).toBe(1);
    });

    test('concurrent hits on a new key count every one', async () => {
      const key = unique('race');
      const counts = await Promise.all(Array.from({ length: 50 }, () => store.counters.hit(key, 60_000)));
      expect(counts.map((c) => c.count).sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      expect((await store.counters.peek(key))?.count).toBe(50);
    });

    test('concurrent hits on a key whose window ended start one new window and count every one', async () => {
      const key = unique('renew');
      await store.counters.hit(key, 1_000);
      clock.advance(1_001);
      const counts = await Promise.all(Array.from({ length: 50 }, () => store.counters.hit(key, 60_000)));
      expect(counts.map((c) => c.count).sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      expect(new Set(counts.map((c) => c.expiresAt)).size).toBe(1);
    });
  });

  describe('lockouts', () => {
    const minute = 60_000;
    const period = { baseMs: 15 * minute, maxMs: 24 * 60 * minute };

    test('attempts count in a window of their kind; a new window starts at 1 after it ends', async () => {
      const subject = unique('s');
      expect(await store.lockouts.get(subject)).toBeNull();
      const before = clock.now();
      const first = await store.lockouts.attempt(subject, 'password', minute);
      expect(first.password!.count).toBe(1);
      expect(first.password!.expiresAt).toBeGreaterThanOrEqual(before + minute);
      expect((await store.lockouts.attempt(subject, 'password', minute)).password).toEqual({ count: 2, expiresAt: first.password!.expiresAt });
      const other = await store.lockouts.attempt(subject, 'second_factor', minute);
      expect(other).toEqual({ password: { count: 2, expiresAt: first.password!.expiresAt }, second_factor: { count: 1, expiresAt: expect.any(Number) } });
      expect(await store.lockouts.get(subject)).toEqual(other);
      clock.advance(minute + 1);
      expect(await store.lockouts.get(subject)).toBeNull();
      expect((await store.lockouts.attempt(subject, 'password', minute)).password!.count).toBe(1);
    });

    test('the limit reached locks once, clears that count, and counts nothing while locked', async () => {
      const subject = unique('s');
      for (let i = 0; i < 4; i += 1) await store.lockouts.attempt(subject, 'password', minute);
      expect(await store.lockouts.lock(subject, 'password', 5, period)).toBeNull();
      await store.lockouts.attempt(subject, 'second_factor', minute);
      await store.lockouts.attempt(subject, 'password', minute);
      const before = clock.now();
      const lockedUntil = await store.lockouts.lock(subject, 'password', 5, period);
      expect(lockedUntil).toBeGreaterThanOrEqual(before + period.baseMs);
      expect(lockedUntil).toBeLessThanOrEqual(clock.now() + period.baseMs);
      expect(await store.lockouts.lock(subject, 'password', 5, period)).toBeNull();
      const locked = await store.lockouts.get(subject);
      expect(locked).toEqual({
        lockedUntil,
        lockouts: { count: 1, expiresAt: expect.any(Number) },
        second_factor: { count: 1, expiresAt: expect.any(Number) },
      });
      expect(await store.lockouts.attempt(subject, 'password', minute)).toEqual(locked);
      expect(await store.lockouts.attempt(subject, 'second_factor', minute)).toEqual(locked);
    });

    test('each lockout in a day doubles the next lock, up to the maximum', async () => {
      const subject = unique('s');
      const lockAfter = async (failures: number) => {
        for (let i = 0; i < failures; i += 1) await store.lockouts.attempt(subject, 'second_factor', 10 * minute);
        const start = clock.now();
        const until = await store.lockouts.lock(subject, 'second_factor', failures, { baseMs: 15 * minute, maxMs: 40 * minute });
        clock.advance(until! - clock.now() + 1);
        return Math.round((until! - start) / minute);
      };
      expect([await lockAfter(3), await lockAfter(3), await lockAfter(3)]).toEqual([15, 30, 40]);
      await store.lockouts.clear(subject, ['lockouts']);
      expect(await lockAfter(3)).toBe(15);
    });

    test('parallel attempts count every one, and of parallel locks one locks', async () => {
      const subject = unique('race');
      const states = await Promise.all(Array.from({ length: 30 }, () => store.lockouts.attempt(subject, 'password', minute)));
      expect(states.map((state) => state.password!.count).sort((x, y) => x - y)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
      const locks = await Promise.all(Array.from({ length: 10 }, () => store.lockouts.lock(subject, 'password', 5, period)));
      expect(locks.filter((until) => until !== null)).toHaveLength(1);
      expect((await store.lockouts.get(subject))!.lockouts!.count).toBe(1);
    });

    test('clear forgets the parts given, or the whole record; sweep deletes records with nothing live', async () => {
      const [a, b] = [unique('a'), unique('b')];
      for (const subject of [a, b]) {
        await store.lockouts.attempt(subject, 'password', minute);
        await store.lockouts.attempt(subject, 'second_factor', 2 * minute);
      }
      await store.lockouts.clear(a, ['password', 'lockouts']);
      expect(Object.keys((await store.lockouts.get(a))!)).toEqual(['second_factor']);
      await store.lockouts.clear(b, 'all');
      expect(await store.lockouts.get(b)).toBeNull();
      await store.lockouts.clear(unique('never seen'), ['password']);
      const c = unique('c');
      await store.lockouts.attempt(c, 'password', 10 * minute);
      clock.advance(2 * minute + 1);
      expect(await store.lockouts.sweep()).toBeGreaterThanOrEqual(1);
      expect(await store.lockouts.get(a)).toBeNull();
      expect((await store.lockouts.get(c))!.password!.count).toBe(1);
    });

    test('a live lock survives clears and sweeps; it goes only with the whole record', async () => {
      const subject = unique('locked');
      for (let i = 0; i < 3; i += 1) await store.lockouts.attempt(subject, 'second_factor', minute);
      const lockedUntil = await store.lockouts.lock(subject, 'second_factor', 3, period);
      await store.lockouts.clear(subject, ['password', 'second_factor', 'lockouts']);
      clock.advance(2 * minute);
      await store.lockouts.sweep();
      expect(await store.lockouts.get(subject)).toEqual({ lockedUntil });
      await store.lockouts.clear(subject, 'all');
      expect(await store.lockouts.get(subject)).toBeNull();
    });
  });

  describe('settings', () => {
    test('putIfAbsent keeps the first value; put replaces', async () => {
      const key = unique('k');
      expect(await store.settings.get(key)).toBeNull();
      expect(await store.settings.putIfAbsent(key, { v: 1 })).toEqual({ v: 1 });
      expect(await store.settings.putIfAbsent(key, { v: 2 })).toEqual({ v: 1 });
      await store.settings.put(key, { v: 3 });
      expect(await store.settings.get(key)).toEqual({ v: 3 });
    });
  });

  test('ping answers while open', async () => {
    await expect(store.ping()).resolves.toBeUndefined();
  });
});
