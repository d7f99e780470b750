import { random } from '../random.ts';

// no 0/o, 1/l/i: codes are copied from paper
const alphabet = '23456789abcdefghjkmnpqrstuvwxyz';

/** A recovery code as shown to the person: `xxxxx-xxxxx`, about 49 bits. */
export function newRecoveryCode(): string {
  return `${random.string(5, alphabet)}-${random.string(5, alphabet)}`;
}

/** What the person typed, in the form that was hashed: spaces, dashes and case do not matter. */
export function normalizeRecoveryCode(input: string): string {
  return input.toLowerCase().replace(/[\s-]/g, '');
}
