import { createCipheriv, createDecipheriv, createHash, createSecretKey, hkdfSync, randomBytes } from 'node:crypto';

/**
 * AES-256-GCM for secrets at rest (TOTP and client secrets, signing and cookie keys, the
 * contents of stored sessions and tokens).
 * Ciphertext format: `<keyId>.<iv>.<tag>.<data>`, base64url parts; the key id lets an
 * older key keep decrypting after rotation.
 */
export interface Cipher {
  encrypt(plaintext: string): string;
  decrypt(ciphertext: string): string;
  /**
   * A key for keyed hashes (HMAC), derived from the oldest at-rest key: stored hashes of
   * recovery codes cannot be recomputed, so adding a newer key must leave this one alone.
   */
  readonly hashKey: Buffer;
}

const keyIdOf = (key: Buffer) => createHash('sha256').update(key).digest('base64url').slice(0, 8);

/** `keys[0]` encrypts; every key decrypts what it encrypted; the last one keys the hashes. */
export function createCipher(keys: Buffer[]): Cipher {
  const current = keys[0];
  const oldest = keys.at(-1);
  if (!current || !oldest || keys.some((key) => key.length !== 32)) throw new Error('at-rest keys must be 32 bytes');
  // KeyObjects made once: node checks a Buffer key afresh at every cipher, several times slower
  const byId = new Map(keys.map((key) => [keyIdOf(key), createSecretKey(key)]));
  const currentId = keyIdOf(current);
  const currentKey = createSecretKey(current);

  return {
    hashKey: Buffer.from(hkdfSync('sha256', oldest, Buffer.alloc(0), 'stepup keyed hash', 32)),
    encrypt(plaintext) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', currentKey, iv);
      const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return [currentId, iv, cipher.getAuthTag(), data].map((part) => (typeof part === 'string' ? part : part.toString('base64url'))).join('.');
    },
    decrypt(ciphertext) {
      const [keyId, iv, tag, data] = ciphertext.split('.');
      const key = keyId ? byId.get(keyId) : undefined;
      if (!key || !iv || !tag || data === undefined) throw new Error('ciphertext has an unknown key or format');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
    },
  };
}
