import type { ParameterizedContext } from 'koa';
import type Provider from 'oidc-provider';
import { AppError, forgedForm } from '../errors.ts';
import type { Csrf } from '../security/csrf.ts';
import type { InteractionDeps } from './deps.ts';

export type InteractionDetails = Awaited<ReturnType<Provider['interactionDetails']>>;

export interface CurrentInteraction {
  uid: string;
  details: InteractionDetails;
  prompt: string;
  clientId: string;
  clientName: string;
  client: NonNullable<Awaited<ReturnType<Provider['Client']['find']>>>;
  csrfToken: string;
  /** where the step pages of this interaction live; forms post below it */
  base: string;
  /** back to the authorization endpoint, which sends the browser to the step now due */
  restart: string;
}

type Loading = Pick<InteractionDeps, 'provider' | 'csrf' | 'basePath'>;

export const expiredInteraction = () =>
  new AppError(400, 'interaction_expired', 'This sign-in has expired or is not valid. Go back to the application and sign in again.');

/**
 * The interaction named by the URL, which must be the one the browser's cookie belongs to.
 * Loaded once per request: a host's login handler and Stepup's both read it from ctx.state.
 */
export async function loadInteraction(ctx: ParameterizedContext, deps: Loading): Promise<CurrentInteraction> {
  const loaded = (ctx.state as { stepupInteraction?: CurrentInteraction }).stepupInteraction;
  if (loaded) return loaded;
  const { provider, csrf } = deps;
  let details: InteractionDetails;
  try {
    details = await provider.interactionDetails(ctx.req, ctx.res);
  } catch {
    throw expiredInteraction();
  }
  const uid = (ctx.params as { uid?: string } | undefined)?.uid;
  if (uid !== undefined && details.uid !== uid) throw expiredInteraction();
  const clientId = String(details.params.client_id);
  const client = await provider.Client.find(clientId);
  if (!client) throw new AppError(400, 'unknown_client', 'The application that sent you here is not registered.');
  const interaction: CurrentInteraction = {
    uid: details.uid,
    details,
    prompt: details.prompt.name,
    clientId,
    clientName: client.clientName ?? clientId,
    client,
    csrfToken: csrf.tokenFor(details.uid),
    base: `${deps.basePath}/interaction/${details.uid}`,
    restart: details.returnTo,
  };
  (ctx.state as { stepupInteraction?: CurrentInteraction }).stepupInteraction = interaction;
  return interaction;
}

export function requireCsrf(csrf: Csrf, interaction: CurrentInteraction, token: string) {
  if (!csrf.verify(interaction.uid, token)) {
    throw forgedForm();
  }
}
