import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import type { Middleware, ParameterizedContext } from 'koa';
import { accountSignedOutPath } from '../account/account_client.ts';
import { factorUndoPath } from '../account/factor_undo.ts';
import type { AccountAreaDeps } from './deps.ts';
import {
  confirmDeliveredEnrolment,
  confirmPasskeyEnrolment,
  confirmTotpEnrolment,
  sendEnrolmentCode,
  showDeliveredEnrolment,
  showPasskeyEnrolment,
  showTotpEnrolment,
} from './enrol.ts';
import { changeName } from './name.ts';
import { forgetBrowser, removeFactor, renamePasskey, replaceRecoveryCodes, showActivity, showOverview, signOut, signOutEverywhere } from './overview.ts';
import { changePassword, showPasswordChange } from './password.ts';
import { completeReset, requestReset, showResetForm, showResetRequest } from './password_reset.ts';
import { accountOf, requireAccount, requireFreshProof } from './session.ts';
import { accountCallback } from './sign_in.ts';
import { showFactorUndo, undoFactor } from './undo_factor.ts';

/** /account (signed in), and /password-reset and /account/undo-factor (public: an emailed link is the proof). */
export function createAccountRouter(deps: AccountAreaDeps) {
  const router = new Router();
  const form = bodyParser({ enableTypes: ['form'], formLimit: '32kb', encoding: 'utf-8' });
  const signedIn = requireAccount(deps);
  const fresh = requireFreshProof(deps, 'factors');
  const freshForPasskeys = requireFreshProof(deps, 'passkeys');
  // removing a passkey is a change to passkeys; any other factor's, to factors
  const freshForRemoval: Middleware = async (ctx, next) => {
    const factor = (await deps.secondFactors.confirmedFactors(accountOf(ctx).account.id)).find((f) => f.id === ctx.params.id);
    return (factor?.kind === 'webauthn' ? freshForPasskeys : fresh)(ctx, next);
  };

  router.get('/account/callback', accountCallback(deps));
  router.get(accountSignedOutPath, (ctx: ParameterizedContext) =>
    ctx.render('account_message', {
      title: 'logged_out.heading',
      message: 'account.signed_out',
      link: { href: '/account', text: 'account.sign_in' },
    }),
  );

  router.get('/account', signedIn, showOverview(deps));
  router.get('/account/activity', signedIn, showActivity(deps));
  // the password is half of phr: changing it needs what changing a passkey needs
  router.get('/account/password', signedIn, freshForPasskeys, showPasswordChange());
  router.post('/account/password', form, signedIn, requireFreshProof(deps, 'passkeys', '/account/password'), changePassword(deps));
  router.post('/account/sign-out', form, signedIn, signOut(deps));
  router.post('/account/name', form, signedIn, changeName(deps));
  router.post('/account/sign-out-everywhere', form, signedIn, signOutEverywhere(deps));
  // forgetting a remembered browser only takes away: no fresh proof needed
  router.post('/account/remembered-browsers/:id/remove', form, signedIn, forgetBrowser(deps));

  // changes to second factors: a second factor passed within the last few minutes first
  router.post('/account/factors/:id/remove', form, signedIn, freshForRemoval, removeFactor(deps));
  router.post('/account/recovery-codes', form, signedIn, fresh, replaceRecoveryCodes(deps));
  router.post('/account/passkeys/:id/name', form, signedIn, freshForPasskeys, renamePasskey(deps));
  router.get('/account/enrol/passkey', signedIn, freshForPasskeys, showPasskeyEnrolment(deps));
  router.post('/account/enrol/passkey', form, signedIn, requireFreshProof(deps, 'passkeys', '/account/enrol/passkey'), confirmPasskeyEnrolment(deps));
  router.get('/account/enrol/totp', signedIn, fresh, showTotpEnrolment(deps));
  router.post('/account/enrol/totp', form, signedIn, requireFreshProof(deps, 'factors', '/account/enrol/totp'), confirmTotpEnrolment(deps));
  for (const channel of ['email', 'sms'] as const) {
    const page = `/account/enrol/${channel}`;
    router.get(page, signedIn, fresh, showDeliveredEnrolment(deps, channel));
    router.post(page, form, signedIn, requireFreshProof(deps, 'factors', page), sendEnrolmentCode(deps, channel));
    router.post(`${page}/confirm`, form, signedIn, requireFreshProof(deps, 'factors', page), confirmDeliveredEnrolment(deps, channel));
  }

  router.get('/password-reset', showResetRequest(deps));
  router.post('/password-reset', form, requestReset(deps));
  router.get('/password-reset/:token', showResetForm(deps));
  router.post('/password-reset/:token', form, completeReset(deps));
  // the link in a "factor added" alert: no session, the email is the proof
  router.get(factorUndoPath, showFactorUndo(deps));
  router.post(factorUndoPath, form, undoFactor(deps));
  return router;
}
