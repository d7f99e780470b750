import type { Db } from 'mongodb';
import type { SettingStore } from '../ports.ts';
import { isDuplicateKey } from './database.ts';

export interface SettingDoc {
  _id: string;
  /** JSON text, as in the SQLite adapter */
  value: string;
}

export function mongoSettings(db: Db): SettingStore {
  const settings = db.collection<SettingDoc>('settings');
  const read = async <T>(key: string): Promise<T | null> => {
    const doc = await settings.findOne({ _id: key });
    return doc ? (JSON.parse(doc.value) as T) : null;
  };
  return {
    get: read,
    async putIfAbsent(key, value) {
      try {
        await settings.insertOne({ _id: key, value: JSON.stringify(value) });
      } catch (error) {
        // another process stored it first: theirs wins
        if (!isDuplicateKey(error)) throw error;
      }
      return (await read(key)) ?? value;
    },
    async put(key, value) {
      await settings.updateOne({ _id: key }, { $set: { value: JSON.stringify(value) } }, { upsert: true });
    },
  };
}
