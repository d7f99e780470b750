import type { DatabaseSync } from 'node:sqlite';
import type { SettingStore } from '../ports.ts';

export function sqliteSettings(db: DatabaseSync): SettingStore {
  const get = db.prepare('SELECT value FROM settings WHERE key = ?');
  const insert = db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING');
  const put = db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');

  const read = <T>(key: string): T | null => {
    const row = get.get(key) as { value: string } | undefined;
    return row ? (JSON.parse(row.value) as T) : null;
  };

  return {
    async get(key) {
      return read(key);
    },
    async putIfAbsent(key, value) {
      insert.run(key, JSON.stringify(value));
      return read(key) ?? value;
    },
    async put(key, value) {
      put.run(key, JSON.stringify(value));
    },
  };
}
