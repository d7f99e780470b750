import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../paths.ts';
import { type Language, languages } from './languages.ts';

export type Catalog = Readonly<Record<string, string>>;

/** Where the catalogs live: one flat JSON file per language, `locales/<language>.json`, beside views/. */
export const localesDir = join(projectRoot, 'locales');

export const catalogFile = (language: Language) => join(localesDir, `${language}.json`);

let loaded: Map<Language, Catalog> | null = null;

/** Every catalog, read once. English is the reference: a key missing elsewhere falls back to it. */
export function catalogs(): ReadonlyMap<Language, Catalog> {
  if (!loaded) {
    loaded = new Map(languages.map((language) => [language, JSON.parse(readFileSync(catalogFile(language), 'utf8')) as Catalog]));
  }
  return loaded;
}
