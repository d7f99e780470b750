import type { Command } from 'commander';
import { toKeyWire } from '../../admin/wire.ts';
import { integer, output, withAdminServices } from '../context.ts';
import { printTable } from '../output.ts';

const columns = ['use', 'kid', 'alg', 'state', 'activates_at', 'retires_at'];

/** stepup keys list|rotate */
export function keyCommands(program: Command): void {
  const keys = program.command('keys').description('signing keys (JWKS) and cookie keys');
  keys
    .command('list')
    .description('show the keys and their schedule: pending (published, not signing yet), active, retiring')
    .option('--json', 'print JSON')
    .action(async (opts) => {
      const list = (await withAdminServices((c) => c.keyAdmin.list())).map(toKeyWire);
      output(opts.json, list, () => printTable(list, columns));
    });
  keys
    .command('rotate')
    .description('add new keys: published now, signing after the publish delay; the old ones retire once their tokens have expired')
    .option('--activate-in <seconds>', 'publish this long before signing (default: keys.publishAheadSeconds)', integer)
    .option('--json', 'print JSON')
    .action(async (opts) => {
      const list = (await withAdminServices((c) => c.keyAdmin.rotate({ activateInSeconds: opts.activateIn }))).map(toKeyWire);
      output(opts.json, list, () => {
        printTable(list, columns);
        console.log('\nRunning servers pick the new keys up within keys.refreshSeconds; nothing to restart.');
      });
    });
}
