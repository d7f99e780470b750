import type { ClientAdmin } from '../../src/admin/clients.ts';
import { toClientWire, toNewClientWire, toPageWire } from '../../src/admin/wire.ts';

// The admin's client service answers with the model's records; tests read clients as the admin
// API shows them (client_id, client_secret), so these call the service and map as the API does.

interface WithClientAdmin {
  clientAdmin: ClientAdmin;
}

export const addClient = async (services: WithClientAdmin, ...args: Parameters<ClientAdmin['add']>) => toNewClientWire(await services.clientAdmin.add(...args));

export const getClient = async (services: WithClientAdmin, clientId: string) => toClientWire(await services.clientAdmin.get(clientId));

export const updateClient = async (services: WithClientAdmin, ...args: Parameters<ClientAdmin['update']>) =>
  toClientWire(await services.clientAdmin.update(...args));

export const listClients = async (services: WithClientAdmin, ...args: Parameters<ClientAdmin['list']>) =>
  toPageWire(await services.clientAdmin.list(...args), toClientWire);
