import { type Phrase, phrase } from '../i18n/phrase.ts';

let common: Promise<Set<string>> | null = null;

/** zxcvbn-ts's list of common passwords (about 49,000), loaded on first use. */
function commonPasswords(): Promise<Set<string>> {
  common ??= import('@zxcvbn-ts/language-common').then(({ dictionary }) => new Set(dictionary['passwords-common']));
  return common;
}

export interface PasswordRules {
  minLength: number;
  maxLength: number;
}

/**
 * Why a password a person chose is refused, or null when it is acceptable: long enough,
 * not absurdly long, not the email address, and not on the list of common passwords.
 */
export async function passwordProblem(password: string, email: string, rules: PasswordRules): Promise<Phrase | null> {
  const length = [...password].length;
  if (length < rules.minLength) return phrase('password.too_short', { min: rules.minLength });
  if (length > rules.maxLength) return phrase('password.too_long', { max: rules.maxLength });
  const folded = password.trim().toLowerCase();
  if (folded === email.toLowerCase()) return phrase('password.is_email');
  if ((await commonPasswords()).has(folded)) return phrase('password.common');
  return null;
}
