import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import { z } from 'zod';
import { AppError } from '../errors.ts';
import type { DeliveryLogStore } from '../store/ports.ts';

const statusForm = z
  .object({
    MessageSid: z.string().regex(/^(SM|MM)[0-9a-fA-F]{32}$/),
    MessageStatus: z.string().regex(/^[a-z_]{2,20}$/),
  })
  .passthrough();

export const twilioStatusCallbackUrl = (issuer: string) => `${issuer}/hooks/twilio/status`;

/**
 * POST /hooks/twilio/status: Twilio reports what became of an SMS. Only requests signed
 * with our auth token (X-Twilio-Signature over the callback URL and form) change anything.
 */
export function twilioStatusRouter(deliveries: DeliveryLogStore, authToken: string, callbackUrl: string) {
  const router = new Router();
  router.post('/hooks/twilio/status', bodyParser({ enableTypes: ['form'], formLimit: '16kb' }), async (ctx) => {
    const params = (ctx.request as { body?: Record<string, unknown> }).body ?? {};
    const signature = ctx.get('X-Twilio-Signature');
    // twilio loads with the first callback, not with every start (see container.ts)
    const { default: twilio } = await import('twilio');
    if (!signature || !twilio.validateRequest(authToken, signature, callbackUrl, params)) {
      throw new AppError(403, 'invalid_signature', 'The request signature is not valid.');
    }
    const parsed = statusForm.safeParse(params);
    if (!parsed.success) throw new AppError(400, 'invalid_request', 'MessageSid and MessageStatus are required.');
    await deliveries.updateStatus(parsed.data.MessageSid, parsed.data.MessageStatus);
    ctx.status = 204;
  });
  return router;
}
