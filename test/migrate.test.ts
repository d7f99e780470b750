import pino from 'pino';
import { openMongoStore } from '../src/store/mongo/index.ts';
import { Browser } from './support/browser.ts';
import { runStepupCli } from './support/cli.ts';
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
    expect(report.copied).toMatchObject({ accounts: 2, clients: 1, factors: 1, recoveryCodes: 10, settings: 2 });
    // client and user added, password ok, enrolment
    expect(report.copied.auditEvents).toBeGreaterThanOrEqual(5);
    expect(report.target).toEqual(report.copied);

    const again = runStepupCli({ DATA_DIR: embedded.dataDir }, ['migrate', '--to', target]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('the target store is not empty');

    const copied = await openMongoStore(target, embedded.clock, pino({ level: 'silent' }));
    const copiedKeys = JSON.stringify(await copied.settings.get('oidc.keys'));
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

test('migrate refuses a target that is not a MongoDB URI', () => {
  const result = runStepupCli({ DATA_DIR: '/tmp/none' }, ['migrate', '--to', 'postgres://db/x']);
  expect(result.code).toBe(2);
  expect(result.stderr).toContain('--to takes a mongodb://');
});
