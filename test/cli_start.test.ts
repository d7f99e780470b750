import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runStepupCli } from './support/cli.ts';

// Every command is a new process: what it loads is what an admin waits for. A command builds
// the admin services only (container.ts: buildAdminServices), never the server's parts.
const hook = resolve(import.meta.dirname, 'support/loaded_packages.mjs');
const serverPackages = ['oidc-provider', 'koa', '@koa/router', '@koa/bodyparser', 'prom-client', 'argon2', 'qrcode', 'otplib'];

let dataDir: string;
beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'stepup-cli-start-'));
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** The packages of node_modules that Stepup's own modules load for one command. */
function packagesLoadedBy(args: string[], input?: string): string[] {
  const record = join(dataDir, `loaded-${args.join('-')}.txt`);
  const result = runStepupCli({ DATA_DIR: dataDir, NODE_OPTIONS: `--import ${hook}`, STEPUP_TEST_LOADED: record }, args, input);
  expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
  return readFileSync(record, 'utf8').split('\n').filter(Boolean).sort();
}

test('stepup --help loads commander and no other package', () => {
  expect(packagesLoadedBy(['--help'])).toEqual(['commander']);
});

test('a command loads none of the server: no oidc-provider, koa, metrics, argon2 or second-factor libraries', () => {
  const loaded = packagesLoadedBy(['user', 'list']);
  expect(loaded).toEqual(expect.arrayContaining(['commander', 'zod']));
  expect(loaded.filter((name) => serverPackages.includes(name))).toEqual([]);
});

test('argon2 loads for the command that hashes a password, and only there', () => {
  const loaded = packagesLoadedBy(['user', 'add', '--email', 'start@example.com', '--password-stdin'], 'a password long enough');
  expect(loaded.filter((name) => serverPackages.includes(name))).toEqual(['argon2']);
});
