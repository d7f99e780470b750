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
export async function passwordProblem(password: string, email: string, rules: PasswordRules): Promise<string | null> {
  const length = [...password].length;
  if (length < rules.minLength) return `Use at least ${rules.minLength} characters. A few unrelated words make a strong password that is easy to remember.`;
  if (length > rules.maxLength) return `Use at most ${rules.maxLength} characters.`;
  const folded = password.trim().toLowerCase();
  if (folded === email.toLowerCase()) return 'Do not use your email address as your password.';
  if ((await commonPasswords()).has(folded)) return 'This password is one of the most common passwords, so it is easy to guess. Choose another.';
  return null;
}
