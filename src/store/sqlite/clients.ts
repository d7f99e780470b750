import type { DatabaseSync } from 'node:sqlite';
import type { ClientRecord } from '../../model/client.ts';
import { type ClientStore, DuplicateError } from '../ports.ts';
import { isUniqueViolation } from './database.ts';

type Row = Record<string, string | number | null>;

function toClient(row: Row): ClientRecord {
  return {
    clientId: row.client_id as string,
    metadata: JSON.parse(row.metadata as string) as Record<string, unknown>,
    secretCiphertext: row.secret_ciphertext as string | null,
    createdAt: row.created_at as number,
  };
}

export function sqliteClients(db: DatabaseSync): ClientStore {
  const insert = db.prepare('INSERT INTO clients (client_id, metadata, secret_ciphertext, created_at) VALUES (?, ?, ?, ?)');
  const byId = db.prepare('SELECT * FROM clients WHERE client_id = ?');
  const all = db.prepare('SELECT * FROM clients ORDER BY created_at');
  const remove = db.prepare('DELETE FROM clients WHERE client_id = ?');
  const update = db.prepare('UPDATE clients SET metadata = ?, secret_ciphertext = ? WHERE client_id = ?');

  return {
    async create(client) {
      try {
        insert.run(client.clientId, JSON.stringify(client.metadata), client.secretCiphertext, client.createdAt);
      } catch (error) {
        if (isUniqueViolation(error)) throw new DuplicateError(`client ${client.clientId} exists`);
        throw error;
      }
    },
    async find(clientId) {
      const row = byId.get(clientId) as Row | undefined;
      return row ? toClient(row) : null;
    },
    async list() {
      return (all.all() as Row[]).map(toClient);
    },
    async update(client) {
      return Number(update.run(JSON.stringify(client.metadata), client.secretCiphertext, client.clientId).changes) === 1;
    },
    async remove(clientId) {
      return Number(remove.run(clientId).changes) === 1;
    },
  };
}
