import { IntlMessageFormat } from 'intl-messageformat';
import { type Catalog, catalogs } from './catalogs.ts';
import { defaultLanguage, direction, type Language } from './languages.ts';
import { isPhrase, type Phrase, type PhraseValue } from './phrase.ts';

/**
 * Each message compiled once per language; numbers and plurals follow it. Dates and times come
 * in already written for the language (src/dates.ts: localDay, localMinute, localTime).
 */
const compiled = new Map<string, IntlMessageFormat>();

function formatter(language: Language, catalog: Catalog, key: string): IntlMessageFormat | null {
  const id = `${language}\u0000${key}`;
  let format = compiled.get(id);
  if (!format) {
    const source = catalog[key];
    if (source === undefined) return null;
    format = new IntlMessageFormat(source, language, undefined, { ignoreTag: true });
    compiled.set(id, format);
  }
  return format;
}

/** `t(key, values)` or `t(phrase)`: words in one language. */
export type Translate = (text: string | Phrase | null | undefined, values?: Record<string, PhraseValue>) => string;

export interface Translator {
  language: Language;
  dir: 'ltr' | 'rtl';
  t: Translate;
}

/**
 * The translator of one language. A key its catalog lacks falls back to English; a string that is
 * no key at all (a host's own text, an administrator's wording) is shown as it is.
 */
export function translator(language: Language): Translator {
  const all = catalogs();
  const own = all.get(language) ?? {};
  const english = all.get(defaultLanguage) ?? {};
  const t: Translate = (text, values) => {
    if (text === null || text === undefined) return '';
    const key = isPhrase(text) ? text.key : text;
    const given = isPhrase(text) ? { ...text.values, ...values } : values;
    const format = formatter(language, own, key) ?? formatter(defaultLanguage, english, key);
    if (!format) return key;
    const resolved: Record<string, string | number | Date> = {};
    for (const [name, value] of Object.entries(given ?? {})) {
      resolved[name] = isPhrase(value) ? t(value) : (value ?? '');
    }
    try {
      return String(format.format(resolved));
    } catch {
      // a value the message names was not given: the key shows the gap, a page never fails on it
      return key;
    }
  };
  return { language, dir: direction(language), t };
}
