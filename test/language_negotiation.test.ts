import { fromAcceptLanguage, matchLanguage, messageLanguage, negotiateLanguage } from '../src/i18n/negotiate.ts';
import { durationPhrase, phrase } from '../src/i18n/phrase.ts';
import { translator } from '../src/i18n/translator.ts';

// How a page's language is chosen, as tables: pure, no server.

test.each([
  ['de', 'de'],
  ['DE', 'de'],
  ['de-AT', 'de'],
  ['de_CH', 'de'],
  ['pt', 'pt-BR'],
  ['pt-PT', 'pt-BR'],
  ['pt-br', 'pt-BR'],
  ['ar-EG', 'ar'],
  ['ja-JP', 'ja'],
  ['en-GB', 'en'],
  ['nl', null],
  ['*', null],
  ['', null],
])('the tag %p is %p', (tag, language) => {
  expect(matchLanguage(tag)).toBe(language);
});

test.each([
  ['de-CH,de;q=0.9,en;q=0.8', 'de'],
  ['nl, fr;q=0.5, en;q=0.4', 'fr'],
  ['en;q=0.2, ja;q=0.9', 'ja'],
  ['fr;q=0, es', 'es'],
  ['nl', null],
  ['*', null],
  [undefined, null],
])('Accept-Language %p gives %p', (header, language) => {
  expect(fromAcceptLanguage(header)).toBe(language);
});

test.each([
  ['the switcher beats everything', { chosen: 'ja', uiLocales: 'de', saved: 'fr', acceptLanguage: 'es' }, 'ja'],
  ['ui_locales beats the saved locale', { uiLocales: 'de', saved: 'fr', acceptLanguage: 'es' }, 'de'],
  ['ui_locales: the first supported of the list', { uiLocales: 'nl sv-SE pt', saved: 'fr' }, 'pt-BR'],
  ['the saved locale beats Accept-Language', { uiLocales: 'nl', saved: 'fr-CA', acceptLanguage: 'es' }, 'fr'],
  ['Accept-Language beats English', { saved: 'nl', acceptLanguage: 'ar;q=0.5, nl' }, 'ar'],
  ['nothing supported: English', { uiLocales: 'nl', saved: 'sv', acceptLanguage: 'fi' }, 'en'],
  ['nothing at all: English', {}, 'en'],
])('%s', (_, signals, language) => {
  expect(negotiateLanguage(signals)).toBe(language);
});

test.each([
  ['fr', 'de', 'fr'],
  [null, 'de', 'de'],
  ['nl', 'ja', 'ja'],
  [null, undefined, 'en'],
])('a message to a person who saved %p, from a sign-in in %p, is in %p', (saved, signIn, language) => {
  expect(messageLanguage(saved, signIn as never)).toBe(language);
});

test('plurals and nested phrases follow each language', () => {
  expect(translator('en').t(durationPhrase(1000))).toBe('1 second');
  expect(translator('en').t(durationPhrase(120_000))).toBe('2 minutes');
  expect(translator('de').t(durationPhrase(120_000))).toBe('2 Minuten');
  expect(translator('en').t(phrase('code.cooldown', { wait: durationPhrase(30_000) }))).toBe(
    'A code was sent moments ago. You can ask for a new one in 30 seconds.',
  );
  expect(translator('en').t('account.recovery_left', { count: 1 })).toBe('You have 1 recovery code left.');
  expect(translator('ar').dir).toBe('rtl');
  expect(translator('ja').dir).toBe('ltr');
});

test('a text that is no key is shown as it is; a missing value never throws', () => {
  expect(translator('de').t('Pay €120.00 to ACME')).toBe('Pay €120.00 to ACME');
  expect(translator('de').t('login.to_continue')).toBe('login.to_continue');
});
