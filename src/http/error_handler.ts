import type { Middleware, ParameterizedContext } from 'koa';
import type { Logger } from 'pino';
import { AppError, type ErrorWords } from '../errors.ts';
import { type Phrase, phrase } from '../i18n/phrase.ts';
import { isStoreUnreachable } from '../store/unreachable.ts';
import { loggablePath } from './loggable_path.ts';
import type { Pages } from './pages.ts';

interface Described {
  status: number;
  code: string;
  message: string;
}

const unreadable = 'The request could not be read.';

const generic = 'Something went wrong on our side. Go back to the application and try again.';

export const storageDown = 'Stepup cannot reach its database for a moment. Wait a little and try again.';

/** Maps any thrown value onto what may be shown; only AppErrors and client errors say more. */
function describe(error: unknown): Described {
  if (error instanceof AppError && error.expose) return { status: error.status, code: error.code, message: error.message };
  if (isStoreUnreachable(error)) return { status: 503, code: 'temporarily_unavailable', message: storageDown };
  const status = (error as { status?: unknown }).status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    // koa, router and body parser errors: wrong method, malformed or oversized bodies
    if (status === 405) return { status, code: 'method_not_allowed', message: 'This address does not accept that kind of request.' };
    const message = status === 413 ? 'The request was too large.' : unreadable;
    return { status, code: status === 413 ? 'request_too_large' : 'invalid_request', message };
  }
  return { status: 500, code: 'server_error', message: generic };
}

/** Errors whose words are always the same, by code: their page shows them in the person's language. */
const fixedTexts: Record<string, string> = {
  not_found: 'error.not_found',
  interaction_expired: 'error.interaction_expired',
  unknown_client: 'error.unknown_client',
  csrf: 'error.csrf',
  method_not_allowed: 'error.method_not_allowed',
  request_too_large: 'error.request_too_large',
  invalid_callback: 'error.invalid_callback',
  unsupported_prompt: 'error.unsupported_prompt',
  server_error: 'error.server_error',
  temporarily_unavailable: 'error.storage_down',
};

/** An error page's text: a phrase for the errors that have one, else the error's own (English) words. */
function pageMessage(described: Described, headers: Record<string, string>, words?: ErrorWords): Phrase | string {
  if (words) return phrase(words.key, words.values);
  if (described.code === 'rate_limited' && headers['Retry-After']) return phrase('error.rate_limited', { count: Number(headers['Retry-After']) });
  if (described.code === 'invalid_request' && described.message === unreadable) return phrase('error.unreadable');
  const key = fixedTexts[described.code];
  return key ? phrase(key) : described.message;
}

/** The admin API answers {error, message}; webhooks answer OAuth-style JSON; pages answer HTML unless the caller prefers JSON. */
const wantsJson = (ctx: ParameterizedContext) => ctx.path.startsWith('/hooks/') || ctx.accepts('html', 'json') === 'json';

/** One handler: HTML error pages for people, JSON for API callers, never a stack trace. */
export function errorHandler(logger: Logger, pages: Pages): Middleware {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        throw new AppError(404, 'not_found', 'There is no page at this address.');
      }
    } catch (error) {
      const described = describe(error);
      if (described.status >= 500) ((ctx.state.log as Logger | undefined) ?? logger).error({ err: error, path: loggablePath(ctx.path) }, 'request failed');
      ctx.status = described.status;
      ctx.set('Cache-Control', 'no-store');
      if (error instanceof AppError) ctx.set(error.headers);
      if (ctx.path.startsWith('/admin/api')) {
        ctx.body = { error: described.code, message: described.message };
      } else if (wantsJson(ctx)) {
        ctx.body = { error: described.code, error_description: described.message };
      } else {
        ctx.type = 'html';
        ctx.body = pages.render(
          'error',
          {
            title: described.status >= 500 ? 'error.title_ours' : 'error.title_request',
            message: pageMessage(
              described,
              error instanceof AppError ? error.headers : {},
              error instanceof AppError && error.expose ? error.words : undefined,
            ),
          },
          ctx,
        );
      }
    }
  };
}
