import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runStepupCli } from './support/cli.ts';

test("the CLI keeps V8's compile cache in the user's home, never in the shared temp directory", () => {
  const home = mkdtempSync(join(tmpdir(), 'stepup-home-'));
  const temp = mkdtempSync(join(tmpdir(), 'stepup-tmp-'));
  try {
    const result = runStepupCli({ HOME: home, TMPDIR: temp, NODE_COMPILE_CACHE: '' }, ['client', 'list', '--help']);
    expect(result.code).toBe(0);
    expect(readdirSync(join(home, '.cache', 'stepup', 'compile-cache')).length).toBeGreaterThan(0);
    // another local user can write to the temp directory: nothing the CLI runs may come from there
    expect(existsSync(join(temp, 'node-compile-cache'))).toBe(false);
  } finally {
    rmSync(home, { recursive: true, force: true });
    rmSync(temp, { recursive: true, force: true });
  }
});
