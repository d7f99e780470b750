import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import type { ParameterizedContext } from 'koa';
import { consoleSignedOutPath } from '../account/account_client.ts';
import { multipartForm } from '../http/multipart_form.ts';
import { seeOther } from '../http/see_other.ts';
import { viewsDir } from '../paths.ts';
import { showActivity, showDashboard, showDeliveries } from './activity.ts';
import {
  confirmRemoveClient,
  confirmRotateSecret,
  createClient,
  listClients,
  removeClient,
  rotateSecret,
  showClient,
  showEditClient,
  showNewClient,
  updateClient,
} from './clients.ts';
import type { ConsoleDeps } from './deps.ts';
import { confirmPath, confirmWithCode, confirmWithPasskey, requireFreshProof, sendConfirmationCode, showFreshProof } from './fresh_proof.ts';
import { confirmRotateKeys, listKeys, rotateKeys } from './keys.ts';
import { confirmPersonAction, confirmRoles, forgetBrowser, listPeople, personAction, showPerson } from './people.ts';
import { consoleOf, requireAdmin } from './session.ts';
import { consoleCallback, consoleSignIn } from './sign_in.ts';

/** The admin console at /admin: server-rendered pages on the admin services the CLI and the API use. */
export function createConsoleRouter(deps: ConsoleDeps) {
  const router = new Router();
  const form = bodyParser({ enableTypes: ['form'], formLimit: '128kb', encoding: 'utf-8' });
  // the client form may carry a logo file (at most 32 KiB) besides its fields
  const clientForm = multipartForm(256 * 1024, form);
  const admin = requireAdmin(deps);
  // the dangerous actions: a fresh passkey (or second factor), asked in the console
  const fresh = requireFreshProof(deps);
  const script = readFileSync(join(viewsDir, 'console.js'));

  router.get('/assets/console.js', (ctx) => {
    ctx.type = 'text/javascript';
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.body = script;
  });
  router.get('/admin/callback', consoleCallback(deps));
  router.get(consoleSignedOutPath, (ctx: ParameterizedContext) =>
    ctx.render('account_message', {
      title: 'You are signed out',
      message: 'You are signed out of the admin console.',
      link: { href: '/admin', text: 'Sign in to the admin console' },
    }),
  );
  router.post('/admin/sign-out', form, admin, async (ctx) => {
    const signIn = consoleSignIn(deps);
    await deps.consoleSessions.end(consoleOf(ctx).session.id);
    signIn.clearSession(ctx);
    seeOther(ctx, signIn.logoutUrl());
  });

  router.get(confirmPath, admin, showFreshProof(deps));
  router.post(`${confirmPath}/passkey`, form, admin, confirmWithPasskey(deps));
  router.post(`${confirmPath}/code`, form, admin, confirmWithCode(deps));
  router.post(`${confirmPath}/send`, form, admin, sendConfirmationCode(deps));

  router.get('/admin', admin, showDashboard(deps));
  router.get('/admin/activity', admin, showActivity(deps));
  router.get('/admin/deliveries', admin, showDeliveries(deps));

  router.get('/admin/clients', admin, listClients(deps));
  router.get('/admin/clients/new', admin, fresh, showNewClient());
  router.post('/admin/clients', clientForm, admin, fresh, createClient(deps));
  router.get('/admin/clients/:clientId', admin, showClient(deps));
  router.get('/admin/clients/:clientId/edit', admin, fresh, showEditClient(deps));
  router.post('/admin/clients/:clientId', clientForm, admin, fresh, updateClient(deps));
  router.get('/admin/clients/:clientId/secret', admin, fresh, confirmRotateSecret(deps));
  router.post('/admin/clients/:clientId/secret', form, admin, fresh, rotateSecret(deps));
  router.get('/admin/clients/:clientId/remove', admin, fresh, confirmRemoveClient(deps));
  router.post('/admin/clients/:clientId/remove', form, admin, fresh, removeClient(deps));

  router.get('/admin/people', admin, listPeople(deps));
  router.get('/admin/people/:userId', admin, showPerson(deps));
  router.post('/admin/people/:userId/roles/confirm', form, admin, fresh, confirmRoles(deps));
  router.post('/admin/people/:userId/remembered-browsers/:browserId/forget', form, admin, fresh, forgetBrowser(deps));
  router.get('/admin/people/:userId/:action', admin, fresh, confirmPersonAction(deps));
  router.post('/admin/people/:userId/:action', form, admin, fresh, personAction(deps));

  router.get('/admin/keys', admin, listKeys(deps));
  router.get('/admin/keys/rotate', admin, fresh, confirmRotateKeys());
  router.post('/admin/keys/rotate', form, admin, fresh, rotateKeys(deps));
  return router;
}
