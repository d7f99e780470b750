import { createRequire } from 'node:module';
import type Twilio from 'twilio';
import { missingPackage } from '../../optional_package.ts';
import type { Sender } from './sender.ts';

export interface TwilioSettings {
  accountSid: string;
  authToken: string;
  /** E.164 number, or a messaging service SID (MG…) */
  from: string;
  /** a Twilio-compatible API instead of api.twilio.com */
  apiUrl?: string;
  /** where Twilio reports delivery status; verified by signature */
  statusCallback: string;
  /** how long a request to Twilio may take */
  timeoutMs: number;
}

/**
 * twilio is an optional package, loaded only where SMS goes through Twilio. `require` (it is
 * CommonJS) keeps createTwilioSender synchronous, and it fails at once, naming the package.
 */
function loadTwilio(): typeof Twilio {
  try {
    return createRequire(import.meta.url)('twilio');
  } catch (error) {
    throw missingPackage(error, 'twilio', 'SMS via Twilio') ?? error;
  }
}

/** SMS through Twilio's Messages API with the official client. */
export function createTwilioSender(settings: TwilioSettings): Sender {
  const client = loadTwilio()(settings.accountSid, settings.authToken, { timeout: settings.timeoutMs });
  if (settings.apiUrl) client.api.baseUrl = settings.apiUrl.replace(/\/$/, '');
  const sender = settings.from.startsWith('MG') ? { messagingServiceSid: settings.from } : { from: settings.from };
  return {
    channel: 'sms',
    provider: 'twilio',
    async send(message) {
      const sent = await client.messages.create({ to: message.to, body: message.text, statusCallback: settings.statusCallback, ...sender });
      return { providerMessageId: sent.sid };
    },
  };
}
