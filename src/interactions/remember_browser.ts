import type { ParameterizedContext } from 'koa';
import { rememberAllowed, rememberedAccepted, requiredLevel } from '../assurance/index.ts';
import { publicKeyOf, signedText } from '../factors/remembered_browsers.ts';
import { requestInfo } from '../http/request_info.ts';
import { mfaPolicyOf, rememberBrowserDaysOf } from '../oidc/client_metadata.ts';
import type { Person } from '../person.ts';
import type { CurrentInteraction } from './current_interaction.ts';
import type { InteractionDeps } from './deps.ts';

/** What the assurance service is told about remembered browsers in this sign-in. */
export const rememberFactsOf = (it: CurrentInteraction) => ({
  rememberDays: rememberBrowserDaysOf(it.client),
  needed: requiredLevel(mfaPolicyOf(it.client), it.details.params),
  ask: it.details.params,
});

/** What the second-factor page shows of remembered browsers: none when the client does not allow them. */
export interface RememberState {
  /** the box "Remember this browser for N days" */
  days: number;
  /** this browser's remembered key is to sign this challenge (the page's script does, if it holds the key) */
  attempt: { keyId: string; challenge: string; text: string } | null;
}

/**
 * The page's remembered-browser part: the box when the client allows it for this sign-in, and a
 * challenge when this browser (its mark) has a key remembered for the account that the
 * assurance service would accept now. `tryKey` false: the key was just refused, ask the code.
 */
export async function rememberStateOf(ctx: ParameterizedContext, deps: InteractionDeps, it: CurrentInteraction, account: Person, tryKey = true) {
  const facts = rememberFactsOf(it);
  if (!rememberAllowed(facts) || facts.rememberDays === null) return null;
  const state: RememberState = { days: facts.rememberDays, attempt: null };
  const remembered = tryKey ? await deps.rememberedBrowsers.forBrowser(account.id, deps.knownBrowsers.browserHashOf(ctx)) : null;
  if (remembered && rememberedAccepted({ ...facts, factorAt: remembered.factorAt, now: deps.clock.now() })) {
    const challenge = await deps.rememberedBrowsers.challenge(it.uid, account.id, remembered.keyId);
    state.attempt = { keyId: remembered.keyId, challenge, text: signedText(it.uid, remembered.keyId, challenge) };
  }
  return state;
}

/**
 * This browser's mark's hash: the request's, or, in the response that signed the person in
 * from a browser never seen, the mark knownBrowsers.remember has just set (read back through
 * the same signed-cookie check, from the Set-Cookie lines).
 */
function markedBrowserHash(ctx: ParameterizedContext, deps: InteractionDeps): string | null {
  const known = deps.knownBrowsers.browserHashOf(ctx);
  if (known) return known;
  const set = ctx.response.headers['set-cookie'];
  const lines = Array.isArray(set) ? set : set ? [String(set)] : [];
  const cookie = lines.map((line) => line.split(';')[0]).join('; ');
  const justMarked = { req: { headers: { cookie } }, res: ctx.res, secure: ctx.secure } as unknown as ParameterizedContext;
  return deps.knownBrowsers.browserHashOf(justMarked);
}

/**
 * After a real second factor passed at `factorAt` signed the person in: remembers this
 * browser's public key when they ticked the box, the client allows it for this sign-in, and the
 * key is a public P-256 JWK. Anything else remembers nothing (a hand-made field included).
 */
export async function rememberAfterFactor(
  ctx: ParameterizedContext,
  deps: InteractionDeps,
  it: CurrentInteraction,
  account: Person,
  asked: { remember?: string; remember_key?: string },
  factorAt: number,
) {
  if (asked.remember !== 'on' || !asked.remember_key) return;
  const facts = rememberFactsOf(it);
  if (!rememberAllowed(facts) || facts.rememberDays === null) return;
  const key = publicKeyOf(asked.remember_key);
  const browserHash = markedBrowserHash(ctx, deps);
  if (!key || !browserHash) return;
  const request = requestInfo(ctx);
  const remembered = await deps.rememberedBrowsers.remember(
    account.id,
    { browserHash, publicKey: key.jwk, userAgent: request.userAgent, ip: request.ip },
    factorAt,
    facts.rememberDays,
  );
  await deps.audit(request, {
    type: 'remembered',
    result: 'ok',
    accountId: account.id,
    email: account.email,
    clientId: it.clientId,
    detail: `${remembered.name}, for ${facts.rememberDays} days`,
  });
}
