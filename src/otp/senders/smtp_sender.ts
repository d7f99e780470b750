import nodemailer from 'nodemailer';
import type { Sender } from './sender.ts';

/** Email through any SMTP server (SMTP_URL, e.g. smtps://user:pass@smtp.example.com). */
export function createSmtpSender(url: string, from: string): Sender {
  const transport = nodemailer.createTransport(url);
  return {
    channel: 'email',
    provider: 'smtp',
    async send(message) {
      const info = await transport.sendMail({ from, to: message.to, subject: message.subject, text: message.text, html: message.html });
      return { providerMessageId: info.messageId ?? null };
    },
  };
}
