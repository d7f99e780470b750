import { localDay, localMinute, localTime, utcBucketLabel, utcDay, utcMinute, utcTime } from '../src/dates.ts';
import { translator } from '../src/i18n/translator.ts';
import { riskDecisionInWords, riskDecisionPhrase, signalsPhrase } from '../src/risk/signal_words.ts';

// The UTC dates Stepup prints, as a table: pure, no server, milliseconds.

test.each([
  ['the epoch', '1970-01-01T00:00:00.000Z', '1970-01-01', '1970-01-01 00:00', '00:00'],
  ['an afternoon', '2026-12-06T21:43:30.500Z', '2026-12-06', '2026-12-06 21:43', '21:43'],
  ['the last moment of a day (never rounded up)', '2026-12-06T23:59:59.999Z', '2026-12-06', '2026-12-06 23:59', '23:59'],
  ['midnight (00, not 24)', '2026-12-07T00:00:00.000Z', '2026-12-07', '2026-12-07 00:00', '00:00'],
  ['noon (12, not 00)', '2026-12-07T12:00:00.000Z', '2026-12-07', '2026-12-07 12:00', '12:00'],
  ['the last moment of a year', '2026-12-31T23:59:59.999Z', '2026-12-31', '2026-12-31 23:59', '23:59'],
  ['the first moment of a year', '2027-01-01T00:00:00.000Z', '2027-01-01', '2027-01-01 00:00', '00:00'],
  ['a leap day', '2028-02-29T09:05:00.000Z', '2028-02-29', '2028-02-29 09:05', '09:05'],
])('%s: %s', (_, iso, day, minute, time) => {
  const ms = Date.parse(iso);
  expect([utcDay(ms), utcMinute(ms), utcTime(ms)]).toEqual([day, minute, time]);
});

test('they print what the slices of toISOString they replace printed, over five years of instants', () => {
  // a step that is no whole number of minutes, hours or days, so every field takes many values
  const from = Date.parse('2024-01-01T00:00:00Z');
  for (let ms = from; ms < from + 5 * 366 * 86_400_000; ms += 7_777_777) {
    const iso = new Date(ms).toISOString();
    expect([utcDay(ms), utcMinute(ms), utcTime(ms)]).toEqual([iso.slice(0, 10), iso.slice(0, 16).replace('T', ' '), iso.slice(11, 16)]);
  }
});

test.each([
  [Date.UTC(2026, 11, 6, 21, 43), 86_400_000, '12-06'],
  [Date.UTC(2026, 11, 6, 21, 43), 7 * 86_400_000, '12-06'],
  [Date.UTC(2026, 11, 6, 21, 43), 3_600_000, '12-06 21h'],
  [Date.UTC(2026, 11, 6, 0, 5), 3 * 3_600_000, '12-06 00h'],
  [Date.UTC(2026, 11, 6, 21, 43), 900_000, '21:43'],
])('a chart bucket at %p of %p ms is labelled %p', (at, bucketMs, label) => {
  expect(utcBucketLabel(at, bucketMs)).toBe(label);
});

// A person's pages and alerts: the same UTC instant in the words and order of their language, a
// 24-hour clock in each (the catalogs write "UTC" beside it).
test.each([
  ['en', 'Dec 6, 2026', 'Dec 6, 2026, 21:43', '09:05'],
  ['de', '06.12.2026', '06.12.2026, 21:43', '09:05'],
  ['fr', '6 déc. 2026', '6 déc. 2026, 21:43', '09:05'],
  ['es', '6 dic 2026', '6 dic 2026, 21:43', '9:05'],
  ['pt-BR', '6 de dez. de 2026', '6 de dez. de 2026, 21:43', '09:05'],
  ['ja', '2026/12/06', '2026/12/06 21:43', '9:05'],
  ['ar', '06\u200f/12\u200f/2026', '06\u200f/12\u200f/2026، 21:43', '09:05'],
])('in %s: the day, the minute and the time of day', (language, day, minute, time) => {
  const ms = Date.parse('2026-12-06T21:43:30.500Z');
  expect([localDay(language, ms), localMinute(language, ms), localTime(language, Date.parse('2026-12-06T09:05:00Z'))]).toEqual([day, minute, time]);
});

// Risk signals: English words for the console, catalog phrases for the person.
test("a risk decision in the person's language, the console's in English", () => {
  const detail = 'asked new_browser new_network';
  expect(riskDecisionInWords(detail)).toBe('Second factor asked: a new browser, a new network');
  expect(translator('en').t(riskDecisionPhrase(detail))).toBe('Second factor asked: a new browser; a new network');
  expect(translator('de').t(riskDecisionPhrase(detail))).toBe('Zweiter Faktor verlangt: ein neuer Browser; ein neues Netzwerk');
  expect(translator('ja').t(riskDecisionPhrase(detail))).toBe('2 段階目の認証を要求: 新しいブラウザー、新しいネットワーク');
  expect(translator('fr').t(riskDecisionPhrase('let_through'))).toBe('Accepté avec le mot de passe (navigateur et réseau habituels)');
  expect(translator('es').t(signalsPhrase(['new_country', 'impossible_travel'], 'PT'))).toBe(
    'un país nuevo: PT; demasiado lejos del último inicio de sesión en muy poco tiempo',
  );
  expect(translator('ar').t(signalsPhrase(['recent_failures']))).toBe('محاولات فاشلة حديثة');
});
