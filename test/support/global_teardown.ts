import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';

/** Stops the MongoDB test server and repeats, once each, why suites were skipped. */
export default async function globalTeardown() {
  await globalThis.stepupMongoServer?.stop();
  const skips = process.env.STEPUP_TEST_SKIPS_FILE;
  if (!skips || !existsSync(skips)) return;
  const reasons = [...new Set(readFileSync(skips, 'utf8').split('\n').filter(Boolean))];
  console.warn(`\n${reasons.length} skipped, and why:\n${reasons.join('\n')}`);
  rmSync(dirname(skips), { recursive: true, force: true });
}
