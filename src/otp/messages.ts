import nunjucks from 'nunjucks';
import { join } from 'node:path';
import { viewsDir } from '../http/pages.ts';
import type { Channel } from '../store/ports.ts';
import type { OutgoingMessage } from './senders/sender.ts';

/** Message texts from views/messages: only the code, its lifetime and the asking app. */
export function createCodeMessages(serviceName: string) {
  const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(join(viewsDir, 'messages')), { autoescape: true });
  return (channel: Channel, to: string, vars: { code: string; appName: string | null; minutes: number }): OutgoingMessage => {
    const context = { ...vars, serviceName };
    if (channel === 'sms') return { to, subject: '', text: env.render('code.sms.njk', context).trim() };
    return {
      to,
      subject: `Your ${serviceName} code: ${vars.code}`,
      text: env.render('code.text.njk', context),
      html: env.render('code.html.njk', context),
    };
  };
}

export type CodeMessages = ReturnType<typeof createCodeMessages>;
