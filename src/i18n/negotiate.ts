import { defaultLanguage, type Language, languages } from './languages.ts';

/**
 * The supported language for one BCP 47 tag, or null: exact (case-insensitive) first, then the
 * tag's primary language (`de-AT` → `de`), then the one supported region of it (`pt` → `pt-BR`).
 */
export function matchLanguage(tag: string): Language | null {
  const wanted = tag.trim().replaceAll('_', '-').toLowerCase();
  if (!wanted || wanted === '*') return null;
  const exact = languages.find((l) => l.toLowerCase() === wanted);
  if (exact) return exact;
  const primary = wanted.split('-')[0];
  return languages.find((l) => l.toLowerCase() === primary) ?? languages.find((l) => l.toLowerCase().split('-')[0] === primary) ?? null;
}

/** The first supported language of a space-separated list in order of preference (OIDC's `ui_locales`). */
export function fromList(list: unknown): Language | null {
  if (typeof list !== 'string') return null;
  for (const tag of list.split(/\s+/)) {
    const found = matchLanguage(tag);
    if (found) return found;
  }
  return null;
}

/** The supported language an `Accept-Language` header prefers most (q-values; ties keep the header's order). */
export function fromAcceptLanguage(header: string | undefined): Language | null {
  if (!header) return null;
  const ranges = header
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      const weight = q ? Number(q.slice(2)) : 1;
      return { tag, weight: Number.isFinite(weight) ? weight : 0, index };
    })
    .filter((range) => range.weight > 0)
    .sort((a, b) => b.weight - a.weight || a.index - b.index);
  for (const range of ranges) {
    const found = matchLanguage(range.tag);
    if (found) return found;
  }
  return null;
}

/** What a request says about the language, strongest first. */
export interface LanguageSignals {
  /** picked on the page with the switcher, for this sign-in */
  chosen?: string | null;
  /** the authorization request's `ui_locales` */
  uiLocales?: unknown;
  /** the person's saved `locale` claim */
  saved?: string | null;
  acceptLanguage?: string;
}

/** The page's language: the switcher's choice, `ui_locales`, the saved locale, `Accept-Language`, then English. */
export function negotiateLanguage(signals: LanguageSignals): Language {
  return (
    (signals.chosen ? matchLanguage(signals.chosen) : null) ??
    fromList(signals.uiLocales) ??
    (signals.saved ? matchLanguage(signals.saved) : null) ??
    fromAcceptLanguage(signals.acceptLanguage) ??
    defaultLanguage
  );
}

/** An email's or SMS's language: the person's saved `locale`, else the language of the sign-in that sent it, else English. */
export function messageLanguage(saved: string | null | undefined, signIn?: Language | null): Language {
  return (saved ? matchLanguage(saved) : null) ?? signIn ?? defaultLanguage;
}
