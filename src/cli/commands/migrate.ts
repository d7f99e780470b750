import type { Command } from 'commander';
import { describeCounts, migrate } from '../../admin/migrate.ts';
import { loadOptional } from '../../optional_package.ts';
import { output, UsageError, withAdminServices } from '../context.ts';

/** stepup migrate --to MONGODB_URI */
export function migrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('copy this installation (accounts, clients, second factors, recovery codes, keys) into an empty MongoDB database')
    .requiredOption('--to <mongodb-uri>', 'the MongoDB to copy into; its database must be empty')
    .option('--json', 'print JSON')
    .action(async (opts) => {
      if (!/^mongodb(\+srv)?:\/\//.test(opts.to)) throw new UsageError('--to takes a mongodb:// or mongodb+srv:// URI');
      // the MongoDB driver (an optional package) loads only for this command
      const [{ openMongoStore }, { redactUri }] = await loadOptional('mongodb', 'stepup migrate', () =>
        Promise.all([import('../../store/mongo/index.ts'), import('../../store/mongo/database.ts')]),
      );
      const report = await withAdminServices(async ({ keyRing, store, clock, logger }) => {
        // keys an older version stored in clear are sealed first, as a start would: never copied in clear
        await keyRing.load(clock.now());
        const target = await openMongoStore(opts.to, clock, logger, { target: true });
        try {
          return await migrate(store, target);
        } finally {
          await target.close();
        }
      });
      output(opts.json, { ...report, verified: true }, () => {
        if (report.startedOver) console.log('an earlier copy into this database did not finish: deleted, and copied anew');
        console.log(`copied and verified: ${describeCounts(report.copied)}`);
        console.log(`into ${redactUri(opts.to)}. Sessions and tokens were not copied: people sign in again.`);
        console.log('Run Stepup with MONGODB_URI set to it, and the same ENCRYPTION_KEY or DATA_DIR (the at-rest key decrypts the secrets).');
      });
    });
}
