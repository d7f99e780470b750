import { join } from 'node:path';
import nunjucks from 'nunjucks';
import type { Channel } from '../model/factor.ts';
import { viewsDir } from '../paths.ts';
import type { OutgoingMessage } from './senders/sender.ts';

/**
 * Every value in a message may come from a request (a browser's User-Agent, an app's or a
 * passkey's name): `.html.njk` templates escape them all, plain-text ones print them as they are.
 * No template marks such a value `| safe`.
 */
function messageTemplates() {
  // a loader each: nunjucks caches compiled templates on the loader, escaping and all
  const loader = () => new nunjucks.FileSystemLoader(join(viewsDir, 'messages'));
  const html = new nunjucks.Environment(loader(), { autoescape: true });
  const text = new nunjucks.Environment(loader(), { autoescape: false });
  return { render: (name: string, context: object) => (name.endsWith('.html.njk') ? html : text).render(name, context) };
}

/** Message texts from views/messages: only the code, its lifetime and the asking app. */
export function createCodeMessages(serviceName: string) {
  const env = messageTemplates();
  return (channel: Channel, to: string, vars: { code: string; appName: string | null; minutes: number; approving?: string }): OutgoingMessage => {
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

export type AlertKind =
  | 'new_browser'
  /** an adaptive client's sign-in that fired risk signals, then passed the second factor */
  | 'unusual_sign_in'
  | 'lockout'
  | 'factor_added'
  | 'factor_removed'
  | 'recovery_code_used'
  | 'recovery_codes_replaced'
  | 'password_changed'
  /** to admins: SMS stopped for the rest of the UTC day */
  | 'sms_budget_reached';

const alertSubjects: Record<AlertKind, string> = {
  new_browser: 'New sign-in to your account',
  unusual_sign_in: 'An unusual sign-in to your account',
  lockout: 'Your account was locked',
  factor_added: 'A second factor was added to your account',
  factor_removed: 'A second factor was removed from your account',
  recovery_code_used: 'A recovery code was used',
  recovery_codes_replaced: 'Your recovery codes were replaced',
  password_changed: 'Your password was changed',
  sms_budget_reached: 'SMS codes stopped: the daily SMS budget is spent',
};

/** Security alerts to the account owner, from views/messages/alert.*.njk. */
export function createAlertMessages(serviceName: string) {
  const env = messageTemplates();
  return (kind: AlertKind, to: string, vars: Record<string, string | number | null>): OutgoingMessage => {
    const context = { ...vars, kind, serviceName };
    const text = env.render('alert.text.njk', context);
    // the HTML shows the text escaped as a whole: a passkey's name or a browser's never becomes markup
    return { to, subject: `${serviceName}: ${alertSubjects[kind]}`, text, html: env.render('alert.html.njk', { ...context, text }) };
  };
}

/** The password reset email: the link, how long it works, and what to do if it was not you. */
export function createResetMessages(serviceName: string) {
  const env = messageTemplates();
  return (to: string, vars: { link: string; minutes: number }): OutgoingMessage => {
    const context = { ...vars, serviceName };
    return { to, subject: `${serviceName}: reset your password`, text: env.render('reset.text.njk', context), html: env.render('reset.html.njk', context) };
  };
}

export type ResetMessages = ReturnType<typeof createResetMessages>;
