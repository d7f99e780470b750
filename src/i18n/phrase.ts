/**
 * A text for a person, named by its catalog key rather than written in one language: what the
 * services and page handlers hand to a page, which the request's translator turns into words.
 * Values may be phrases themselves ("in {wait}" with wait = 2 minutes).
 */
export interface Phrase {
  key: string;
  values?: Record<string, PhraseValue>;
}

export type PhraseValue = string | number | Date | Phrase | null | undefined;

export const phrase = (key: string, values?: Record<string, PhraseValue>): Phrase => (values ? { key, values } : { key });

export const isPhrase = (value: unknown): value is Phrase =>
  typeof value === 'object' && value !== null && typeof (value as { key?: unknown }).key === 'string';

/** "45 seconds", "2 minutes": how long until a moment, as a phrase for the person's language. */
export function durationPhrase(ms: number): Phrase {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  if (seconds < 90) return phrase('duration.seconds', { count: seconds });
  return phrase('duration.minutes', { count: Math.ceil(seconds / 60) });
}
