import { randomBytes } from 'node:crypto';
import { loadConfig } from '../src/config/load.ts';
import { createCipher } from '../src/security/cipher.ts';

const key = () => randomBytes(32);

test('AES-256-GCM round trip; the ciphertext names its key and hides the text', () => {
  const cipher = createCipher([key()]);
  const sealed = cipher.encrypt('JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP');
  expect(sealed).not.toContain('JBSWY3DP');
  expect(sealed.split('.')).toHaveLength(4);
  expect(cipher.decrypt(sealed)).toBe('JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP');
  expect(cipher.encrypt('same')).not.toBe(cipher.encrypt('same'));
});

test('rotation: a newer key encrypts, the older one still decrypts, keyed hashes stay the same', () => {
  const old = key();
  const before = createCipher([old]);
  const sealedBefore = before.encrypt('secret');
  const after = createCipher([key(), old]);
  expect(after.decrypt(sealedBefore)).toBe('secret');
  expect(after.encrypt('secret').split('.')[0]).not.toBe(sealedBefore.split('.')[0]);
  expect(after.hashKey.equals(before.hashKey)).toBe(true);
});

test('tampered ciphertext and unknown keys are refused', () => {
  const cipher = createCipher([key()]);
  const [kid, iv, tag, data] = cipher.encrypt('secret').split('.');
  const flipped = Buffer.from(data!, 'base64url');
  flipped[0]! ^= 1;
  expect(() => cipher.decrypt([kid, iv, tag, flipped.toString('base64url')].join('.'))).toThrow();
  expect(() => createCipher([key()]).decrypt(cipher.encrypt('secret'))).toThrow(/unknown key/);
});

test('ENCRYPTION_KEY takes one key or several, newest first, and refuses anything else', () => {
  const one = key().toString('base64');
  const two = `${key().toString('base64')},${one}`;
  expect(loadConfig({ ENCRYPTION_KEY: one }).encryptionKey).toBe(one);
  expect(loadConfig({ ENCRYPTION_KEY: two }).encryptionKey).toBe(two);
  expect(() => loadConfig({ ENCRYPTION_KEY: 'c2hvcnQ=' })).toThrow(/encryptionKey/);
  expect(() => loadConfig({ ENCRYPTION_KEY: `${one},nonsense` })).toThrow(/encryptionKey/);
});
