import { randomBytes, randomInt } from 'node:crypto';

/** Every random value Stepup hands out comes from here (a CSPRNG). */
export const random = {
  /** A base64url id that never starts with "-", so it can be given to the CLI as an argument. */
  id(bytes = 16): string {
    const id = randomBytes(bytes).toString('base64url');
    return id.startsWith('-') ? random.id(bytes) : id;
  },
  bytes: (n: number) => randomBytes(n),
  /** A uniformly random string of `length` characters from `alphabet`. */
  string(length: number, alphabet: string): string {
    let out = '';
    for (let i = 0; i < length; i += 1) out += alphabet[randomInt(alphabet.length)];
    return out;
  },
};
