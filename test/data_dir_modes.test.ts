import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { loadConfig } from '../src/config/load.ts';
import { buildContainer } from '../src/container.ts';
import { createLogger } from '../src/logger.ts';
import { createCipher } from '../src/security/cipher.ts';
import { createPerson } from './support/people.ts';
import { reportSkip } from './support/skips.ts';
import { startStepup } from './support/stepup.ts';

// SQLite only: these are the embedded store's files (jest.config.js runs every suite on it).

let base: string;
let umask: number;
beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), 'stepup-modes-'));
  // the usual umask, under which files are made readable by everyone unless Stepup says otherwise
  umask = process.umask(0o022);
});
afterEach(() => {
  process.umask(umask);
  rmSync(base, { recursive: true, force: true });
});

const modeOf = (path: string) => (statSync(path).mode & 0o777).toString(8);
const modesIn = (dir: string) => Object.fromEntries(readdirSync(dir).map((name) => [name, modeOf(join(dir, name))]));
const start = (dataDir: string) => {
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: dataDir, ISSUER: 'http://127.0.0.1:1' });
  return buildContainer(config, createLogger(config));
};
const key = () => `${randomBytes(32).toString('base64')}\n`;

test('the data directory Stepup creates is 0700 and every file it writes there 0600, whatever the umask', async () => {
  const dataDir = join(base, 'data');
  const stepup = await startStepup({ DATA_DIR: dataDir });
  try {
    const person = await createPerson(stepup);
    // a failed sign-in writes the lockout counter and the audit log
    expect((await stepup.container.checkPassword(person.email, 'not the password')).ok).toBe(false);
    await stepup.container.senders.email.send({ to: person.email, subject: 'code', text: '123456' });
    expect(modeOf(dataDir)).toBe('700');
    expect(modesIn(dataDir)).toEqual({
      'at-rest.keys': '600',
      'stepup.db': '600',
      'stepup.db-wal': '600',
      'stepup.db-shm': '600',
      'outbox.jsonl': '600',
    });
  } finally {
    await stepup.stop();
  }
});

test('a data directory and database an earlier version left readable by everyone are closed on start', async () => {
  const dataDir = join(base, 'data');
  mkdirSync(dataDir, { mode: 0o755 });
  writeFileSync(join(dataDir, 'at-rest.keys'), key(), { mode: 0o600 });
  const old = new DatabaseSync(join(dataDir, 'stepup.db'));
  old.exec('PRAGMA journal_mode = WAL; CREATE TABLE left_by_old_version (x)');
  expect(modesIn(dataDir)).toEqual({ 'at-rest.keys': '600', 'stepup.db': '644', 'stepup.db-wal': '644', 'stepup.db-shm': '644' });
  const container = await start(dataDir);
  await container.close();
  expect(modeOf(dataDir)).toBe('700');
  expect(modesIn(dataDir)).toEqual({ 'at-rest.keys': '600', 'stepup.db': '600', 'stepup.db-wal': '600', 'stepup.db-shm': '600' });
  old.close();
});

test('an at-rest key file open to other users is refused, naming the file and the fix; nothing else is created', async () => {
  const dataDir = join(base, 'data');
  mkdirSync(dataDir, { mode: 0o700 });
  const keys = join(dataDir, 'at-rest.keys');
  const planted = key();
  writeFileSync(keys, planted, { mode: 0o644 });
  await expect(start(dataDir)).rejects.toThrow(
    `the key file ${keys} is open to other users (mode 0644): they may have read or chosen the key. Fix: check it is your key, then chmod 600 ${keys}`,
  );
  expect(modesIn(dataDir)).toEqual({ 'at-rest.keys': '644' });

  // once the operator has checked it is theirs and closed it, it is used
  chmodSync(keys, 0o600);
  const container = await start(dataDir);
  await container.close();
  expect(container.cipher.hashKey.equals(createCipher([Buffer.from(planted.trim(), 'base64')]).hashKey)).toBe(true);
});

test('a data directory writable by other users is refused before anything is created in it', async () => {
  const dataDir = join(base, 'data');
  mkdirSync(dataDir);
  chmodSync(dataDir, 0o777);
  await expect(start(dataDir)).rejects.toThrow(
    `the data directory ${dataDir} is writable by other users (mode 0777): its files may have been planted. Fix: check them, then chmod 700 ${dataDir}`,
  );
  expect(readdirSync(dataDir)).toEqual([]);
  expect(modeOf(dataDir)).toBe('777');
});

test('a key file or data directory owned by another user is refused', async () => {
  if (process.getuid?.() !== 0) {
    reportSkip('data_dir_modes: files owned by another user', 'only root can give a file to another user');
    return;
  }
  const dataDir = join(base, 'data');
  mkdirSync(dataDir, { mode: 0o700 });
  const keys = join(dataDir, 'at-rest.keys');
  writeFileSync(keys, key(), { mode: 0o600 });
  chownSync(keys, 4242, 4242);
  await expect(start(dataDir)).rejects.toThrow(
    `the key file ${keys} belongs to user 4242, not to user 0 that runs Stepup: whoever owns it can read or replace it. Fix: chown 0 ${keys}`,
  );
  chownSync(keys, 0, 0);
  chownSync(dataDir, 4242, 4242);
  await expect(start(dataDir)).rejects.toThrow(`the data directory ${dataDir} belongs to user 4242`);
  expect(readdirSync(dataDir)).toEqual(['at-rest.keys']);
});
