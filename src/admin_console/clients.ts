import type { ParameterizedContext } from 'koa';
import { z } from 'zod';
import { authMethods } from '../admin/client_auth.ts';
import { clientChangesSchema, newClientSchema } from '../admin/clients.ts';
import { toClientWire, toPageWire } from '../admin/wire.ts';
import { acrValues } from '../assurance/index.ts';
import { AppError } from '../errors.ts';
import { parseForm } from '../http/form.ts';
import { uploadsOf } from '../http/multipart_form.ts';
import { seeOther } from '../http/see_other.ts';
import { mfaPolicies } from '../model/client.ts';
import { type ClientForm, clientFormSchema, clientInputOf, formOf } from './client_form.ts';
import type { ConsoleDeps } from './deps.ts';
import { fieldErrors, pageNumber, pagerOf, pagingOf, parseQuery, searchText } from './query.ts';
import { actorOf, renderPage } from './session.ts';

const pageSize = 20;
const choices = { mfaPolicies, acrValues, authMethods };

/** A client id from the path: refused at the edge unless it is one a client can have. */
export const clientIdOf = (ctx: ParameterizedContext) => {
  const id = String(ctx.params.clientId ?? '');
  if (!/^[\w.-]{1,100}$/.test(id)) throw new AppError(404, 'not_found', 'There is no client application with this id.');
  return id;
};

/** Refusals the admin can act on (a bad value, a change that needs a new client) are shown on the form. */
const shownOnForm = (error: unknown) => error instanceof AppError && (error.status === 400 || error.status === 409);

export function listClients(deps: ConsoleDeps) {
  const query = z.object({ search: searchText, page: pageNumber });
  return async (ctx: ParameterizedContext) => {
    const { search, page } = parseQuery(ctx, query, 'search');
    const found = toPageWire(await deps.clientAdmin.list({ search, ...pagingOf(page, pageSize) }), toClientWire);
    const notice = ctx.query.done === 'removed' ? 'The client application was removed.' : undefined;
    const pager = pagerOf(ctx, page, pageSize, found.total, found.items.length);
    await renderPage(ctx, 'console_clients', 'clients', { clients: found.items, total: found.total, search, pager, notice });
  };
}

export const showNewClient = () => (ctx: ParameterizedContext) =>
  renderPage(ctx, 'console_client_form', 'clients', {
    form: { mfaPolicy: 'required', redirectUris: '', postLogoutRedirectUris: '' },
    errors: {},
    choices,
    isNew: true,
  });

/** POST /admin/clients: the same rules as the API (its zod schema), each problem next to its field. */
export function createClient(deps: ConsoleDeps) {
  return async (ctx: ParameterizedContext) => {
    const form = parseForm(ctx, clientFormSchema);
    const { input, errors } = clientInputOf(form, true, uploadsOf(ctx).logoFile);
    const checked = newClientSchema.safeParse(input);
    const problems = { ...(checked.success ? {} : fieldErrors(checked.error)), ...errors };
    const again = (error?: string) => renderPage(ctx, 'console_client_form', 'clients', { form, errors: problems, choices, isNew: true, error });
    if (Object.keys(problems).length > 0) return again('The client was not created: correct the fields marked below.');
    try {
      const created = await deps.clientAdmin.add(input as z.input<typeof newClientSchema>, actorOf(ctx));
      // the secret is in this answer only (no-store), never in a URL or a log
      await renderPage(ctx, 'console_client', 'clients', {
        client: toClientWire(created.client),
        secret: created.secret,
        notice: 'The client application was created.',
      });
    } catch (error) {
      if (!shownOnForm(error)) throw error;
      await again((error as AppError).message);
    }
  };
}

export function showClient(deps: ConsoleDeps) {
  return async (ctx: ParameterizedContext) => {
    const client = toClientWire(await deps.clientAdmin.get(clientIdOf(ctx)));
    const notice = ctx.query.done === 'updated' ? 'The changes were saved.' : undefined;
    await renderPage(ctx, 'console_client', 'clients', { client, secret: null, notice });
  };
}

export function showEditClient(deps: ConsoleDeps) {
  return async (ctx: ParameterizedContext) => {
    const client = toClientWire(await deps.clientAdmin.get(clientIdOf(ctx)));
    await renderPage(ctx, 'console_client_form', 'clients', { client, form: formOf(client), errors: {}, choices, isNew: false });
  };
}

export function updateClient(deps: ConsoleDeps) {
  return async (ctx: ParameterizedContext) => {
    const client = toClientWire(await deps.clientAdmin.get(clientIdOf(ctx)));
    const form: ClientForm = { ...parseForm(ctx, clientFormSchema), public: client.public ? 'on' : undefined };
    const { input, errors } = clientInputOf(form, false, uploadsOf(ctx).logoFile);
    const checked = clientChangesSchema.safeParse(input);
    const problems = { ...(checked.success ? {} : fieldErrors(checked.error)), ...errors };
    const again = (error: string) => renderPage(ctx, 'console_client_form', 'clients', { client, form, errors: problems, choices, isNew: false, error });
    if (Object.keys(problems).length > 0) return again('Nothing was changed: correct the fields marked below.');
    try {
      await deps.clientAdmin.update(client.client_id, input as z.input<typeof clientChangesSchema>, actorOf(ctx));
    } catch (error) {
      if (!shownOnForm(error)) throw error;
      return again((error as AppError).message);
    }
    seeOther(ctx, `/admin/clients/${encodeURIComponent(client.client_id)}?done=updated`);
  };
}

export function confirmRotateSecret(deps: ConsoleDeps) {
  return async (ctx: ParameterizedContext) => {
    const client = toClientWire(await deps.clientAdmin.get(clientIdOf(ctx)));
    await renderPage(ctx, 'console_confirm', 'clients', {
      title: 'Rotate the client secret',
      question: `Give ${client.name} (${client.client_id}) a new secret?`,
      consequence: 'The current secret stops working at once: the application fails to sign people in until it has the new one.',
      action: `/admin/clients/${encodeURIComponent(client.client_id)}/secret`,
      button: `Rotate the secret of ${client.name}`,
      danger: true,
      back: `/admin/clients/${encodeURIComponent(client.client_id)}`,
    });
  };
}

export function rotateSecret(deps: ConsoleDeps) {
  return async (ctx: ParameterizedContext) => {
    const clientId = clientIdOf(ctx);
    const rotated = await deps.clientAdmin.rotateSecret(clientId, actorOf(ctx));
    const client = toClientWire(await deps.clientAdmin.get(clientId));
    await renderPage(ctx, 'console_client', 'clients', {
      client,
      secret: rotated.secret,
      notice: 'The secret was replaced; the old one no longer works.',
    });
  };
}

export function confirmRemoveClient(deps: ConsoleDeps) {
  return async (ctx: ParameterizedContext) => {
    const client = toClientWire(await deps.clientAdmin.get(clientIdOf(ctx)));
    await renderPage(ctx, 'console_confirm', 'clients', {
      title: `Remove ${client.name}`,
      question: `Remove the client application ${client.name} (${client.client_id})?`,
      consequence: 'It can no longer sign anyone in. This cannot be undone: registering it again gives a new client id and secret.',
      action: `/admin/clients/${encodeURIComponent(client.client_id)}/remove`,
      button: `Remove ${client.name}`,
      danger: true,
      back: `/admin/clients/${encodeURIComponent(client.client_id)}`,
    });
  };
}

export function removeClient(deps: ConsoleDeps) {
  return async (ctx: ParameterizedContext) => {
    await deps.clientAdmin.remove(clientIdOf(ctx), actorOf(ctx));
    seeOther(ctx, '/admin/clients?done=removed');
  };
}
