import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface CapturedMail {
  to: string[];
  raw: string;
}

/**
 * A real SMTP server on loopback that keeps every message; `failing` makes it refuse them,
 * `delayMs` makes it answer each message that much later, as a slow mail server does.
 */
export async function startSmtpCapture() {
  const mails: CapturedMail[] = [];
  const state = { failing: false, delayMs: 0 };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () =>
        setTimeout(() => {
          if (state.failing) return callback(Object.assign(new Error('mailbox unavailable'), { responseCode: 550 }));
          mails.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8') });
          callback();
        }, state.delayMs),
      );
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    state,
    /** The code in the newest mail to `to`. */
    lastCodeTo(to: string): string {
      const mail = mails.filter((m) => m.to.includes(to)).at(-1);
      const code = mail && /code(?: for [^\r\n]+)? is (\d{6})/.exec(mail.raw)?.[1];
      if (!code) throw new Error(`no code mailed to ${to}`);
      return code;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The decoded body of the part of a raw MIME message with this content type. */
export function mimePart(raw: string, type: 'text/plain' | 'text/html'): string {
  const part = new RegExp(`Content-Type: ${type}[^\\r\\n]*\\r\\n((?:[^\\r\\n]+\\r\\n)*)\\r\\n([\\s\\S]*?)\\r\\n--`).exec(raw);
  if (!part) throw new Error(`no ${type} part in:\n${raw}`);
  const [, headers, body] = part;
  if (/Content-Transfer-Encoding: base64/i.test(headers!)) return Buffer.from(body!, 'base64').toString('utf8');
  if (!/Content-Transfer-Encoding: quoted-printable/i.test(headers!)) return body!;
  const bytes = body!.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
  return Buffer.from(bytes, 'latin1').toString('utf8');
}
