import type { Db } from 'mongodb';
import type { ClientRecord } from '../../model/client.ts';
import { type ClientStore, DuplicateError } from '../ports.ts';
import { isDuplicateKey } from './database.ts';

export interface ClientDoc {
  _id: string;
  /** JSON text: metadata keys (URLs, `$`-names) are not all valid MongoDB field names */
  metadata: string;
  secretCiphertext: string | null;
  createdAt: number;
}

export const toClient = (doc: ClientDoc): ClientRecord => ({
  clientId: doc._id,
  metadata: JSON.parse(doc.metadata) as Record<string, unknown>,
  secretCiphertext: doc.secretCiphertext,
  createdAt: doc.createdAt,
});

export const toClientDoc = (client: ClientRecord): ClientDoc => ({
  _id: client.clientId,
  metadata: JSON.stringify(client.metadata),
  secretCiphertext: client.secretCiphertext,
  createdAt: client.createdAt,
});

export function mongoClients(db: Db): ClientStore {
  const clients = db.collection<ClientDoc>('clients');
  return {
    async create(client) {
      try {
        await clients.insertOne(toClientDoc(client));
      } catch (error) {
        if (isDuplicateKey(error)) throw new DuplicateError(`client ${client.clientId} exists`);
        throw error;
      }
    },
    async find(clientId) {
      const doc = await clients.findOne({ _id: clientId });
      return doc ? toClient(doc) : null;
    },
    async list() {
      return (await clients.find().sort({ createdAt: 1 }).toArray()).map(toClient);
    },
    async update(client) {
      const { _id, metadata, secretCiphertext } = toClientDoc(client);
      return (await clients.updateOne({ _id }, { $set: { metadata, secretCiphertext } })).matchedCount === 1;
    },
    async remove(clientId) {
      return (await clients.deleteOne({ _id: clientId })).deletedCount === 1;
    },
  };
}
