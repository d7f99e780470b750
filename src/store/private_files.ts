import { chmodSync, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { ConfigError } from '../config/load.ts';

// The data directory holds password hashes, e-mail addresses, the audit log and the at-rest
// key: only the user Stepup runs as may read it, whatever the umask. (No owners on Windows.)
const uid = process.getuid?.();

const mode = (path: string) => (statSync(path).mode & 0o777).toString(8).padStart(4, '0');

function assertOurs(path: string, what: string): void {
  const owner = statSync(path).uid;
  if (uid !== undefined && owner !== uid) {
    throw new ConfigError(
      `${what} ${path} belongs to user ${owner}, not to user ${uid} that runs Stepup: whoever owns it can read or replace it. Fix: chown ${uid} ${path}`,
    );
  }
}

/**
 * The data directory, created 0700 when absent. It must be ours and writable by nobody else
 * (another user could have planted its files); one readable by others, as earlier versions
 * made it under umask 022, is closed to them.
 */
export function privateDir(path: string): void {
  mkdirSync(path, { recursive: true, mode: 0o700 });
  assertOurs(path, 'the data directory');
  if (statSync(path).mode & 0o022) {
    throw new ConfigError(
      `the data directory ${path} is writable by other users (mode ${mode(path)}): its files may have been planted. Fix: check them, then chmod 700 ${path}`,
    );
  }
  if ((statSync(path).mode & 0o777) !== 0o700) chmodSync(path, 0o700);
}

/** A file Stepup writes and reads alone (the SQLite files): ours, created 0600, closed to others when not. */
export function privateFile(path: string, { create }: { create: boolean }): void {
  if (!existsSync(path)) {
    if (!create) return;
    writeFileSync(path, '', { flag: 'a', mode: 0o600 });
  }
  assertOurs(path, 'the file');
  if ((statSync(path).mode & 0o777) !== 0o600) chmodSync(path, 0o600);
}

/**
 * A secret Stepup trusts as found (the at-rest key file): ours and 0600, else Stepup refuses
 * rather than adopt a key someone else chose or has read.
 */
export function assertSecretFile(path: string): void {
  assertOurs(path, 'the key file');
  if (statSync(path).mode & 0o077) {
    throw new ConfigError(
      `the key file ${path} is open to other users (mode ${mode(path)}): they may have read or chosen the key. Fix: check it is your key, then chmod 600 ${path}`,
    );
  }
}
