import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertSecretFile, privateDir } from '../store/private_files.ts';

/**
 * The at-rest keys: ENCRYPTION_KEY when configured (comma-separated, newest first), else
 * `at-rest.keys` in the data directory, created on first start, one base64 key per line,
 * newest first. The first encrypts; the others are older keys kept for decryption. Never
 * stored in the database it protects. A key file someone else could have written or read is
 * refused: whoever planted it would decrypt the signing keys.
 */
export function loadAtRestKeys(dataDir: string, configured: string | undefined): { keys: Buffer[]; generated: boolean } {
  if (configured) return { keys: parseAtRestKeys(configured), generated: false };
  const path = join(dataDir, 'at-rest.keys');
  privateDir(dataDir);
  if (!existsSync(path)) writeFileSync(path, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  assertSecretFile(path);
  const keys = readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => Buffer.from(line.trim(), 'base64'));
  return { keys, generated: true };
}

/** ENCRYPTION_KEY's form: base64 keys separated by commas, newest first. */
export const parseAtRestKeys = (text: string): Buffer[] => text.split(',').map((key) => Buffer.from(key.trim(), 'base64'));
