import type { ParameterizedContext } from 'koa';
import nunjucks from 'nunjucks';
import { localDay, localMinute, localTime } from '../dates.ts';
import { isLanguage, type Language, languageNames, languages } from '../i18n/languages.ts';
import { negotiateLanguage } from '../i18n/negotiate.ts';
import type { PhraseValue } from '../i18n/phrase.ts';
import { type Translate, type Translator, translator } from '../i18n/translator.ts';
import { type Person, savedLocaleOf } from '../person.ts';

/** The switcher's choice: `<scope> <language>`, the scope being the interaction it was made in. */
const cookieName = 'stepup_lang';

interface LanguageState {
  stepupInteraction?: { uid: string; details: { params: Record<string, unknown> } };
  stepupSavedLocale?: string | null;
  stepupChosenLanguage?: Language;
}

/** The sign-in a page belongs to (its uid in the path, or the reset page's `interaction`), else the account area. */
function scopeOf(ctx: ParameterizedContext): string {
  const inPath = /\/interaction\/([^/?]+)/.exec(ctx.path)?.[1];
  if (inPath) return inPath;
  return typeof ctx.query.interaction === 'string' && ctx.query.interaction ? ctx.query.interaction : 'account';
}

/**
 * `?lang=xx` on any page: the person picked a language with the switcher. It is kept in a cookie
 * for this sign-in (or the account area), so the next pages stay in it; no script is needed.
 */
export function noteLanguageChoice(ctx: ParameterizedContext) {
  const state = ctx.state as LanguageState;
  const asked = ctx.query.lang;
  if (isLanguage(asked)) {
    state.stepupChosenLanguage = asked;
    ctx.cookies.set(cookieName, `${scopeOf(ctx)} ${asked}`, {
      httpOnly: true,
      sameSite: 'lax',
      secure: ctx.secure,
      signed: false,
      overwrite: true,
      maxAge: 24 * 3600 * 1000,
    });
    return;
  }
  // most requests (an application's token calls) carry no such cookie: no cookie jar is made for them
  if (!ctx.get('Cookie').includes(cookieName)) return;
  const [cookieScope, cookieLanguage] = (ctx.cookies.get(cookieName, { signed: false }) ?? '').split(' ');
  if (cookieScope === scopeOf(ctx) && isLanguage(cookieLanguage)) state.stepupChosenLanguage = cookieLanguage;
}

/** The person's saved `locale`, once a page knows who is signing in: it comes after `ui_locales`. */
export function useSavedLocale(ctx: ParameterizedContext, person: Person | null | undefined) {
  const saved = person ? savedLocaleOf(person) : null;
  if (saved) (ctx.state as LanguageState).stepupSavedLocale = saved;
}

/** The admin console stays English: it is for the few who run Stepup, and is not translated. */
const isConsole = (path: string) => /^\/admin(\/|$)/.test(path);

/** The language of this request's page (the switcher, `ui_locales`, the saved locale, `Accept-Language`, English). */
export function requestLanguage(ctx: ParameterizedContext, it?: { details?: { params?: Record<string, unknown> } }): Language {
  const state = ctx.state as LanguageState;
  if (isConsole(ctx.path)) return 'en';
  return negotiateLanguage({
    chosen: state.stepupChosenLanguage,
    uiLocales: (state.stepupInteraction?.details.params ?? it?.details?.params)?.ui_locales,
    saved: state.stepupSavedLocale,
    acceptLanguage: ctx.get('Accept-Language'),
  });
}

/** The translator of this request's page (the catalogs and their compiled messages are read once, for every request). */
export function requestTranslator(ctx: ParameterizedContext, it?: { details?: { params?: Record<string, unknown> } }): Translator {
  return translator(requestLanguage(ctx, it));
}

/** The query parameters a page's switcher links keep: the method shown, the sign-in a reset page returns to. */
const keptParams = ['method', 'interaction'] as const;

/** The switcher's links: this page again (a GET) in each language, or the sign-in's own address after a form. */
function switcherLinks(ctx: ParameterizedContext, current: Language, it?: { base?: string }) {
  let target: string | null = null;
  if (ctx.method === 'GET' || ctx.method === 'HEAD') {
    // only what picks the page: never a token or anything else typed into the address
    const query = new URLSearchParams();
    for (const name of keptParams) if (typeof ctx.query[name] === 'string') query.set(name, ctx.query[name]);
    const rest = query.toString();
    target = `${ctx.path}?${rest ? `${rest}&` : ''}`;
  } else if (it?.base) {
    target = `${it.base}?`;
  }
  if (target === null) return [];
  return languages.map((language) => ({
    language,
    name: languageNames[language],
    href: `${target}lang=${encodeURIComponent(language)}`,
    current: language === current,
  }));
}

const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

/**
 * `tStrong(key, values, ['to'])`: the sentence escaped, with the named values in <strong> (an
 * address, an application's name; isolated, so a number keeps its order in Arabic), so a
 * translation can put them wherever its grammar wants.
 */
export function strongTranslate(t: Translate, isolate = false) {
  return (key: string, values: Record<string, PhraseValue> = {}, strong: string[] = []) => {
    const marked: Record<string, PhraseValue> = { ...values };
    const shown: string[] = [];
    for (const name of strong) {
      const value = values[name];
      shown.push(typeof value === 'object' && value !== null && !(value instanceof Date) ? t(value) : String(value ?? ''));
      marked[name] = `\uE000${shown.length - 1}\uE001`;
    }
    const html = escapeHtml(t(key, marked)).replace(/\uE000(\d+)\uE001/g, (_, i: string) => {
      const value = escapeHtml(shown[Number(i)] ?? '');
      return `<strong>${isolate ? `<bdi>${value}</bdi>` : value}</strong>`;
    });
    return new nunjucks.runtime.SafeString(html);
  };
}

/** What every page's template gets for its language: `t`, `lang`, `dir` and the switcher's links. */
export function languageLocals(ctx: ParameterizedContext, vars: { it?: { base?: string; details?: { params?: Record<string, unknown> } } } = {}) {
  const { language, dir, t } = requestTranslator(ctx, vars.it);
  const links = isConsole(ctx.path) ? [] : switcherLinks(ctx, language, vars.it);
  return { t, tStrong: strongTranslate(t, dir === 'rtl'), lang: language, dir, languageLinks: links, ...dateWords(language) };
}

/** `localDay(ms)`, `localMinute(ms)`, `localTime(ms)` for a page's templates: UTC, in the page's language. */
export const dateWords = (language: Language) => ({
  localDay: (ms: number) => localDay(language, ms),
  localMinute: (ms: number) => localMinute(language, ms),
  localTime: (ms: number) => localTime(language, ms),
});
