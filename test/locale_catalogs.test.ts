import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { IntlMessageFormat } from 'intl-messageformat';
import { catalogFile } from '../src/i18n/catalogs.ts';
import { languages } from '../src/i18n/languages.ts';
import { projectRoot } from '../src/paths.ts';

// The catalogs under locales/, one per language, against the English one: the same keys, the
// same placeholders, ICU messages that parse, and no key that no page, email or code uses.

type Catalog = Record<string, string>;

const read = (language: string): Catalog => JSON.parse(readFileSync(catalogFile(language as never), 'utf8')) as Catalog;
const english = read('en');

/** ICU's element types that name an argument: argument, number, date, time, select, plural. */
const named = new Set([1, 2, 3, 4, 5, 6]);

interface Element {
  type: number;
  value?: unknown;
  options?: Record<string, { value: Element[] }>;
  children?: Element[];
}

/** Every argument a message names, plural and select branches included. */
function argumentsOf(elements: Element[], into = new Set<string>()): Set<string> {
  for (const element of elements) {
    if (named.has(element.type) && typeof element.value === 'string') into.add(element.value);
    for (const option of Object.values(element.options ?? {})) argumentsOf(option.value, into);
    if (element.children) argumentsOf(element.children, into);
  }
  return into;
}

const parse = (message: string, language: string) => new IntlMessageFormat(message, language, undefined, { ignoreTag: true });
const argumentNames = (message: string, language: string) => [...argumentsOf(parse(message, language).getAst() as Element[])].sort();

describe.each(languages.filter((l) => l !== 'en'))('%s', (language) => {
  const catalog = read(language);

  test('has exactly the English keys', () => {
    expect(Object.keys(catalog).sort()).toEqual(Object.keys(english).sort());
  });

  test('every message parses and names the same placeholders as the English one', () => {
    for (const [key, message] of Object.entries(english)) {
      const translated = catalog[key];
      if (translated === undefined) continue;
      expect({ key, names: argumentNames(translated, language) }).toEqual({ key, names: argumentNames(message, 'en') });
    }
  });

  test('is translated: most messages differ from the English', () => {
    const same = Object.keys(english).filter((key) => catalog[key] === english[key]);
    // names (Passkey, SMS, Browser...) and bare plurals ("# minutes") may stay as they are; sentences may not
    expect(same.filter((key) => !(english[key] ?? '').startsWith('{') && (english[key] ?? '').split(' ').length > 3)).toEqual([]);
  });
});

test('every English message parses', () => {
  for (const message of Object.values(english)) expect(() => parse(message, 'en')).not.toThrow();
});

/** Every file of the pages, emails, codes and the code that words them. */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.(ts|njk)$/.test(name) ? [readFileSync(path, 'utf8')] : [];
  });
}

const used = [...sources(join(projectRoot, 'views')), ...sources(join(projectRoot, 'src'))].join('\n');

test('no key is unused: each is named, quoted, in views/ or src/', () => {
  const unused = Object.keys(english).filter((key) => !new RegExp(`['"\`]${key.replaceAll('.', '\\.')}['"\`]`).test(used));
  expect(unused).toEqual([]);
});

test('every key a template or the code names is in the English catalog', () => {
  const named = new Set<string>();
  for (const match of used.matchAll(/\b(?:t|tStrong|phrase)\(\s*'([a-z_]+\.[a-z_]+)'/g)) named.add(match[1] as string);
  for (const match of used.matchAll(/^\s+(?:title|message|text): '([a-z_]+\.[a-z_]+)'/gm)) named.add(match[1] as string);
  expect([...named].filter((key) => !(key in english))).toEqual([]);
});

test('no page, email or SMS a person sees has words outside the catalogs (the console is English only)', () => {
  const views = join(projectRoot, 'views');
  const templates = [
    ...readdirSync(views).filter((name) => name.endsWith('.njk')),
    ...readdirSync(join(views, 'messages')).map((name) => `messages/${name}`),
  ].filter((name) => !name.startsWith('console') && name !== '_console.njk' && name !== '_charts.njk');
  const wordsIn = (name: string) => {
    const source = readFileSync(join(views, name), 'utf8')
      .replace(/\{% block width %\}[^{]*\{% endblock %\}/g, ' ')
      .replace(/\{#[\s\S]*?#\}|\{\{[\s\S]*?\}\}|\{%[\s\S]*?%\}/g, ' ');
    // the words a person reads: text between tags, and the attributes read out or shown
    const attributes = [...source.matchAll(/(?:aria-label|alt|title|placeholder)="([^"]*)"/g)].map((match) => match[1]).join(' ');
    const text = source.replace(/<(script|style)[\s\S]*?<\/\1>|<[^>]*>/g, ' ');
    return `${text} ${attributes}`.match(/\p{L}{2,}/gu) ?? [];
  };
  expect(templates.filter((name) => wordsIn(name).length > 0).map((name) => `${name}: ${wordsIn(name).join(' ')}`)).toEqual([]);
});
