import nodemailer from 'nodemailer';
import type { Sender } from './sender.ts';

/**
 * Email through any SMTP server (SMTP_URL, e.g. smtps://user:pass@smtp.example.com). The
 * connections are pooled, so a message does not pay for a new connection and TLS handshake.
 * nodemailer would wait minutes on a server that stalls; here a send fails after
 * `timeoutMs`, so a sign-in falls back to SMS in seconds.
 */
export function createSmtpSender(url: string, from: string, timeoutMs: number): Sender {
  const transport = nodemailer.createTransport({ url, pool: true, connectionTimeout: timeoutMs, greetingTimeout: timeoutMs, socketTimeout: timeoutMs });
  return {
    channel: 'email',
    provider: 'smtp',
    async send(message) {
      const info = await transport.sendMail({ from, to: message.to, subject: message.subject, text: message.text, html: message.html });
      return { providerMessageId: info.messageId ?? null };
    },
    close: () => transport.close(),
  };
}
