/** The languages of the pages, emails and SMS a person sees; English is the default and the reference catalog. */
export const languages = ['en', 'de', 'fr', 'es', 'pt-BR', 'ja', 'ar'] as const;

export type Language = (typeof languages)[number];

export const defaultLanguage: Language = 'en';

/** Each language named in itself, for the switcher on the pages. */
export const languageNames: Record<Language, string> = {
  en: 'English',
  de: 'Deutsch',
  fr: 'Français',
  es: 'Español',
  'pt-BR': 'Português (Brasil)',
  ja: '日本語',
  ar: 'العربية',
};

const rightToLeft: ReadonlySet<Language> = new Set(['ar']);

/** The `dir` attribute of a page in that language. */
export const direction = (language: Language): 'ltr' | 'rtl' => (rightToLeft.has(language) ? 'rtl' : 'ltr');

export const isLanguage = (value: unknown): value is Language => typeof value === 'string' && (languages as readonly string[]).includes(value);
