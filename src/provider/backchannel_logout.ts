import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import type { RecordStore } from '../store/ports.ts';

/** Waits before each retry of a logout token a client did not take: three more tries in about half a minute. */
export const retryDelaysMs = [1_000, 5_000, 25_000];

/** Per account: the sessions' sids at the clients that want a logout token, for when every session ends at once. */
const targetsKind = 'BackchannelLogoutTargets';

interface Target {
  clientId: string;
  sid: string;
}

type SendLogoutToken = (this: { clientId: string }, accountId: string, sid: string) => Promise<void>;

/**
 * OIDC Back-Channel Logout 1.0. oidc-provider signs the logout tokens; here they are sent
 * after the person's answer, never in its way, retried a few times, every failure logged.
 * Sign-out at Stepup reaches the clients of that session through oidc-provider; an account's
 * sessions ending all at once (sign out everywhere, a password reset or change, an admin's
 * disable, revoke or second-factor reset) reaches the clients of each, found in a record
 * kept per account.
 */
export function createBackchannelLogout(logger: Logger, clock: Clock, sessionTtlMs: number) {
  let current: Provider | undefined;
  let original: SendLogoutToken | undefined;
  const timers = new Set<NodeJS.Timeout>();
  const inFlight = new Set<Promise<void>>();

  /** One try now, the next after each delay; the person never waits for any of them. */
  function deliver(clientId: string, send: () => Promise<void>, attempt = 0): void {
    const tried = send().then(
      () => logger.info({ clientId, attempt: attempt + 1 }, 'back-channel logout delivered'),
      (err: unknown) => {
        const delay = retryDelaysMs[attempt];
        const reason = failureReason(err);
        if (delay === undefined) {
          logger.error({ clientId, attempts: attempt + 1, reason }, 'back-channel logout not delivered; giving up');
          return;
        }
        logger.warn({ clientId, attempt: attempt + 1, reason, retryInMs: delay }, 'back-channel logout not delivered; will retry');
        const timer = setTimeout(() => {
          timers.delete(timer);
          deliver(clientId, send, attempt + 1);
        }, delay);
        timers.add(timer);
      },
    );
    inFlight.add(tried);
    void tried.finally(() => inFlight.delete(tried));
  }

  async function sendTo(accountId: string, target: Target): Promise<void> {
    if (!current) {
      // the CLI ends sessions without a provider to sign tokens with
      logger.warn({ clientId: target.clientId }, 'back-channel logout not sent: this process does not sign tokens (use the admin API)');
      return;
    }
    const client = await current.Client.find(target.clientId);
    if (!client?.backchannelLogoutUri || !original) return;
    const send = original;
    deliver(client.clientId, () => send.call(client, accountId, target.sid));
  }

  return {
    /**
     * Called for each provider built (keys rotate): oidc-provider's own sends go through
     * `deliver`, and sign-ins to clients with a back-channel URI are remembered per account.
     */
    attach(provider: Provider, records: RecordStore): void {
      current = provider;
      const prototype = provider.Client.prototype as unknown as { backchannelLogout: SendLogoutToken };
      original = prototype.backchannelLogout;
      const send = original;
      prototype.backchannelLogout = function deferred(this: { clientId: string }, accountId: string, sid: string) {
        deliver(this.clientId, () => send.call(this, accountId, sid));
        return Promise.resolve();
      };
      provider.on('authorization.success', (ctx: KoaContextWithOIDC) => {
        const { client, session } = ctx.oidc;
        if (!client?.backchannelLogoutUri || !session?.accountId) return;
        void remember(records, session.accountId, { clientId: client.clientId, sid: session.sidFor(client.clientId) as string }).catch((err: unknown) =>
          logger.error({ err }, 'could not remember a back-channel logout target'),
        );
      });
    },

    /** `records` whose revokeByAccountId also sends the logout tokens of the sessions it ends. */
    notifying(records: RecordStore): RecordStore {
      return {
        ...records,
        async revokeByAccountId(accountId) {
          const found = await records.find(targetsKind, accountId);
          const ended = await records.revokeByAccountId(accountId);
          for (const target of (found?.payload.targets as Target[] | undefined) ?? []) {
            await sendTo(accountId, target).catch((err: unknown) => logger.error({ err, clientId: target.clientId }, 'back-channel logout not sent'));
          }
          return ended;
        },
      };
    },

    /** Resolves once the tries under way are done (retries still waiting are not). */
    async settled(): Promise<void> {
      await Promise.all([...inFlight]);
    },

    /** At shutdown: retries not yet due are dropped, and logged. */
    close(): void {
      if (timers.size > 0) logger.warn({ dropped: timers.size }, 'back-channel logout retries dropped at shutdown');
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };

  /** Adds the session's sid at this client to the account's targets; the record lives as long as a session. */
  async function remember(records: RecordStore, accountId: string, target: Target): Promise<void> {
    const found = await records.find(targetsKind, accountId);
    const earlier = ((found?.payload.targets as Target[] | undefined) ?? []).filter((t) => t.clientId !== target.clientId || t.sid !== target.sid);
    // the newest 50 are plenty: one per browser and client
    const targets = [...earlier, target].slice(-50);
    await records.upsert(targetsKind, accountId, { targets }, clock.now() + sessionTtlMs, { accountId });
  }
}

/** fetch says only "fetch failed"; its cause says why (refused, timed out, a special-use address). */
function failureReason(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  return err.cause instanceof Error ? `${err.message}: ${err.cause.message}` : err.message;
}

export type BackchannelLogout = ReturnType<typeof createBackchannelLogout>;
