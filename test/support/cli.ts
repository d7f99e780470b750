import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const bin = resolve(import.meta.dirname, '../../bin/stepup.js');

/**
 * Runs `stepup` as an admin would: a separate process on the storage `env` names (DATA_DIR,
 * and MONGODB_URI for MongoDB); never on a MONGODB_URI it would inherit from the test run.
 */
export function runStepupCli(env: Record<string, string>, args: string[], input?: string) {
  const result = spawnSync(process.execPath, [bin, ...args], { input, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '', MONGODB_URI: '', ...env } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}
