import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export const TWILIO_SID = 'AC00000000000000000000000000000001';
export const TWILIO_TOKEN = 'test-auth-token-0123456789abcdef';

/** The environment that sends Stepup's SMS to the Twilio stand-in at `apiUrl`. */
export const twilioEnv = (apiUrl: string) => ({
  TWILIO_ACCOUNT_SID: TWILIO_SID,
  TWILIO_AUTH_TOKEN: TWILIO_TOKEN,
  TWILIO_FROM: '+15550000000',
  TWILIO_API_URL: apiUrl,
});

export interface SentSms {
  sid: string;
  to: string;
  from: string;
  body: string;
  statusCallback: string | undefined;
}

/**
 * Twilio is the one outside service we stand in for: this speaks the part of the
 * Messages API that the real `twilio` client calls, with its basic auth and error shape.
 */
export async function startTwilioApi() {
  const messages: SentSms[] = [];
  const state = { failing: false };
  const expectedAuth = `Basic ${Buffer.from(`${TWILIO_SID}:${TWILIO_TOKEN}`).toString('base64')}`;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const answer = (status: number, json: object) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
      if (req.method !== 'POST' || req.url !== `/2010-04-01/Accounts/${TWILIO_SID}/Messages.json`)
        return answer(404, { code: 20404, message: 'not found', status: 404 });
      if (req.headers.authorization !== expectedAuth) return answer(401, { code: 20003, message: 'Authenticate', status: 401 });
      if (state.failing) return answer(400, { code: 21614, message: "'To' number is not a valid mobile number", status: 400 });
      const form = new URLSearchParams(body);
      const sent: SentSms = {
        sid: `SM${String(messages.length + 1).padStart(32, '0')}`,
        to: form.get('To') ?? '',
        from: form.get('From') ?? form.get('MessagingServiceSid') ?? '',
        body: form.get('Body') ?? '',
        statusCallback: form.get('StatusCallback') ?? undefined,
      };
      messages.push(sent);
      answer(201, {
        sid: sent.sid,
        account_sid: TWILIO_SID,
        to: sent.to,
        from: sent.from,
        body: sent.body,
        status: 'queued',
        date_created: new Date().toUTCString(),
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    messages,
    state,
    lastCodeTo(to: string): string {
      const code = /^(\d{6}) is your/.exec(messages.filter((m) => m.to === to).at(-1)?.body ?? '')?.[1];
      if (!code) throw new Error(`no code texted to ${to}`);
      return code;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
