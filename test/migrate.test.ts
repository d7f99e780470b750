import { MongoClient } from 'mongodb';
import { ConnectionString } from 'mongodb-connection-string-url';
import pino from 'pino';
import { migrate } from '../src/admin/migrate.ts';
import { openMongoStore } from '../src/store/mongo/index.ts';
import { Browser } from './support/browser.ts';
import { runStepupCli } from './support/cli.ts';
import { TestClock } from './support/clock.ts';
import { dropDatabase, freshDatabaseUri, mongoTestServerName, skippedWithoutMongo } from './support/mongodb_server.ts';
import { enrolThroughSignIn, totpCode } from './support/people.ts';
import { relyingParty } from './support/relying_party.ts';
import { startStepup } from './support/stepup.ts';

const withMongo = skippedWithoutMongo('the migration to MongoDB') ? test.skip : test;

withMongo(`stepup migrate moves an embedded installation to MongoDB (${mongoTestServerName()}), and people sign in there`, async () => {
  const embedded = await startStepup({ MONGODB_URI: '' });
  const target = freshDatabaseUri('stepup_migrate');
  try {
    const rp = await relyingParty(embedded, { firstParty: true });
    const person = await enrolThroughSignIn(embedded, new Browser(embedded.issuer), (await rp.authorize()).url);
    await embedded.container.userAdmin.add({ email: 'second@example.com', password: 'another password' });
    // a passkey beside the app: copied with its credential, key and counter
    const second = (await embedded.container.store.accounts.findByEmail('second@example.com'))!;
    const passkey = {
      id: 'migrated-passkey',
      accountId: second.id,
      kind: 'webauthn' as const,
      secretCiphertext: null,
      target: null,
      confirmedAt: embedded.clock.now(),
      lastTimeStep: null,
      createdAt: embedded.clock.now(),
      passkey: {
        credentialId: 'cred-migrated',
        publicKey: 'pQECAyYgASFYIA',
        counter: 7,
        transports: ['internal'],
        synced: true,
        backedUp: true,
        userVerified: true,
        name: 'Phone',
        lastUsedAt: null,
      },
    };
    // planted: only a browser's WebAuthn ceremony makes a passkey, and the copy is checked field by field
    await embedded.container.store.factors.add(passkey);
    const offset = embedded.clock.now() - Date.now();
    // keys as an older version stored them, in clear: they must not be copied so
    const ring = await embedded.container.keyRing.load(embedded.clock.now());
    await embedded.container.store.settings.put('oidc.keys', ring);
    await embedded.container.close();

    const moved = runStepupCli({ DATA_DIR: embedded.dataDir }, ['migrate', '--to', target, '--json']);
    expect({ code: moved.code, stderr: moved.stderr }).toEqual({ code: 0, stderr: '' });
    const report = JSON.parse(moved.stdout);
    expect(report.verified).toBe(true);
    // settings: the key ring, and the window in which the upgrade from a clear ring may find clear records
    expect(report.copied).toMatchObject({ accounts: 2, clients: 1, factors: 2, recoveryCodes: 10, settings: 2 });
    // client and user added, password ok, enrolment
    expect(report.copied.auditEvents).toBeGreaterThanOrEqual(5);
    expect(report.target).toEqual(report.copied);

    const again = runStepupCli({ DATA_DIR: embedded.dataDir }, ['migrate', '--to', target]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('the target store is not empty');

    const copied = await openMongoStore(target, embedded.clock, pino({ level: 'silent' }));
    const copiedKeys = JSON.stringify(await copied.settings.get('oidc.keys'));
    expect(await copied.factors.findByCredentialId('cred-migrated')).toEqual(passkey);
    await copied.close();
    expect(ring.signing.map((k) => k.jwk.d as string).filter((d) => copiedKeys.includes(d))).toEqual([]);

    // the same data directory keeps the at-rest key that decrypts the TOTP secret
    const onMongo = await startStepup({ MONGODB_URI: target, DATA_DIR: embedded.dataDir });
    try {
      onMongo.clock.advance(offset + 30_000);
      const sameClient = await relyingParty(onMongo, { firstParty: true });
      const authorization = await sameClient.authorize();
      const browser = new Browser(onMongo.issuer);
      await browser.open(authorization.url);
      await browser.submit('/login', { email: person.email, password: person.password });
      await browser.submit('/second-factor', { code: await totpCode(onMongo, person.secret) });
      expect((await authorization.exchange(browser.callbackUrl)).claims()!.amr).toEqual(['pwd', 'otp', 'mfa']);
      expect(await onMongo.container.store.clients.find(rp.clientId)).not.toBeNull();
    } finally {
      await onMongo.stop();
    }
  } finally {
    await embedded.stop().catch(() => undefined);
    await dropDatabase(target);
  }
});

withMongo('a copy cut off halfway leaves a target Stepup refuses, and migrate run again copies anew', async () => {
  const embedded = await startStepup({ MONGODB_URI: '' });
  const target = freshDatabaseUri('stepup_migrate_cut');
  const client = await new MongoClient(target).connect();
  try {
    await enrolThroughSignIn(embedded, new Browser(embedded.issuer), (await (await relyingParty(embedded, { firstParty: true })).authorize()).url);
    await embedded.container.close();
    // the target fails halfway, as a lost connection or a full disk would: its recovery codes
    // collection takes one code per account, and the copy writes ten after the accounts and factors
    const codes = client.db().collection('recovery_codes');
    await codes.createIndex({ accountId: 1 }, { name: 'test_fault', unique: true });

    const cut = runStepupCli({ DATA_DIR: embedded.dataDir }, ['migrate', '--to', target]);
    expect(cut.code).toBe(1);
    expect(await client.db().collection('accounts').countDocuments()).toBe(1);

    const onTarget = { DATA_DIR: embedded.dataDir, MONGODB_URI: target };
    const refused = runStepupCli(onTarget, ['user', 'list']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('holds a copy by `stepup migrate` that did not finish; run the same migrate again');
    expect(refused.stderr).not.toContain(new ConnectionString(target).password);

    await codes.dropIndex('test_fault');
    const again = runStepupCli({ DATA_DIR: embedded.dataDir }, ['migrate', '--to', target, '--json']);
    expect({ code: again.code, stderr: again.stderr }).toEqual({ code: 0, stderr: '' });
    const report = JSON.parse(again.stdout);
    expect(report).toMatchObject({ verified: true, startedOver: true, copied: { accounts: 1, factors: 1, recoveryCodes: 10 } });
    expect(report.target).toEqual(report.copied);
    expect(runStepupCli(onTarget, ['user', 'list']).code).toBe(0);
  } finally {
    await client.close();
    await embedded.stop().catch(() => undefined);
    await dropDatabase(target);
  }
});

withMongo('account_locks, which transactions write to conflict on, are not copied: they are made again when needed', async () => {
  const sourceUri = freshDatabaseUri('stepup_migrate_source');
  const targetUri = freshDatabaseUri('stepup_migrate_target');
  const clock = new TestClock();
  const silent = pino({ level: 'silent' });
  const source = await openMongoStore(sourceUri, clock, silent);
  const target = await openMongoStore(targetUri, clock, silent, { target: true });
  const client = await new MongoClient(targetUri).connect();
  try {
    // written through the store: what is under test is the copy between two MongoDB stores' collections
    const account = await source.accounts.create({ id: 'a1', email: 'a@example.com', phone: null, passwordHash: 'x', createdAt: clock.now() });
    await source.transaction(account.id, (tx) => tx.recoveryCodes.replace(account.id, ['h1', 'h2'], clock.now()));
    const report = await migrate(source, target);
    expect(report.copied).toMatchObject({ accounts: 1, recoveryCodes: 2 });
    expect(await client.db().collection('account_locks').countDocuments()).toBe(0);
    await expect(target.transaction(account.id, (tx) => tx.recoveryCodes.countUnused(account.id))).resolves.toBe(2);
  } finally {
    await client.close();
    await source.close();
    await target.close();
    await dropDatabase(sourceUri);
    await dropDatabase(targetUri);
  }
});

test('migrate refuses a target that is not a MongoDB URI', () => {
  const result = runStepupCli({ DATA_DIR: '/tmp/none' }, ['migrate', '--to', 'postgres://db/x']);
  expect(result.code).toBe(2);
  expect(result.stderr).toContain('--to takes a mongodb://');
});
