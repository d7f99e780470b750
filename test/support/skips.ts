import { appendFileSync } from 'node:fs';

/**
 * Says why `what` is skipped: now, and once more at the end of the run (global_teardown.ts),
 * since jest running several suites at once does not print the console of a suite it skipped.
 */
export function reportSkip(what: string, reason: string) {
  const line = `SKIPPED ${what}: ${reason}`;
  console.warn(line);
  const file = process.env.STEPUP_TEST_SKIPS_FILE;
  if (file) appendFileSync(file, `${line}\n`);
}
