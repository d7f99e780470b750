import { z } from 'zod';
import { badRequest, worded } from './errors.ts';

/**
 * C0 and C1 controls and DEL (Unicode's Cc). In a name they are never meant: they are how
 * one rewrites an admin's terminal (ESC [2J) or splits a log line (CR, LF).
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const controlCharacters = /[\u0000-\u001f\u007f-\u009f]/u;
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
const noControlCharacters = /^[^\u0000-\u001f\u007f-\u009f]*$/u;

export const hasControlCharacters = (value: string) => controlCharacters.test(value);

/**
 * Text a person chooses that others will read (a name, a passkey's name): trimmed, 1 to
 * `max` characters, with no control characters. The pattern is a regex rather than a
 * refinement so the admin API's OpenAPI document carries it too.
 */
export const personText = (max: number) =>
  z.string().trim().min(1).max(max).regex(noControlCharacters, 'must not contain control characters (line breaks, tabs, escape codes)');

/** A person's text from a form field, or a 400 that says what was wrong with it. */
export function personTextFrom(value: string, max: number): string {
  const result = personText(max).safeParse(value);
  if (result.success) return result.data;
  if (hasControlCharacters(value)) {
    throw worded(badRequest('A name may not contain control characters such as line breaks or escape codes. Nothing was changed.', 'invalid_form'), {
      key: 'error.name_control',
    });
  }
  throw worded(badRequest(`A name has 1 to ${max} characters. Nothing was changed.`, 'invalid_form'), { key: 'error.name_length', values: { max } });
}
