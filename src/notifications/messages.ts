import { join } from 'node:path';
import nunjucks from 'nunjucks';
import type { Language } from '../i18n/languages.ts';
import type { PhraseValue } from '../i18n/phrase.ts';
import { translator } from '../i18n/translator.ts';
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

/** What a message template gets for its language: `t`, `lang` and `dir` (English when none is given). */
function inLanguage(language: Language = 'en') {
  const { t, dir } = translator(language);
  return { t, lang: language, dir };
}

/** Message texts from views/messages: only the code, its lifetime and the asking app, in the person's language. */
export function createCodeMessages(serviceName: string) {
  const env = messageTemplates();
  return (
    channel: Channel,
    to: string,
    vars: { code: string; appName: string | null; minutes: number; approving?: string },
    language?: Language,
  ): OutgoingMessage => {
    const words = inLanguage(language);
    const context = { ...vars, serviceName, ...words };
    if (channel === 'sms') return { to, subject: '', text: env.render('code.sms.njk', context).trim() };
    return {
      to,
      subject: words.t('code_email.subject', { service: serviceName, code: vars.code }),
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
  new_browser: 'alert.subject_new_browser',
  unusual_sign_in: 'alert.subject_unusual',
  lockout: 'alert.subject_lockout',
  factor_added: 'alert.subject_factor_added',
  factor_removed: 'alert.subject_factor_removed',
  recovery_code_used: 'alert.subject_recovery_code_used',
  recovery_codes_replaced: 'alert.subject_recovery_codes_replaced',
  password_changed: 'alert.subject_password_changed',
  sms_budget_reached: 'alert.subject_sms_budget',
};

/** Security alerts to the account owner, from views/messages/alert.*.njk. */
export function createAlertMessages(serviceName: string) {
  const env = messageTemplates();
  return (kind: AlertKind, to: string, vars: Record<string, PhraseValue>, language?: Language): OutgoingMessage => {
    const words = inLanguage(language);
    const context = { ...vars, kind, serviceName, ...words };
    const text = env.render('alert.text.njk', context);
    // the HTML shows the text escaped as a whole: a passkey's name or a browser's never becomes markup
    const subject = words.t('alert.subject', { service: serviceName, subject: words.t(alertSubjects[kind]) });
    return { to, subject, text, html: env.render('alert.html.njk', { ...context, text }) };
  };
}

/** The password reset email: the link, how long it works, and what to do if it was not you. */
export function createResetMessages(serviceName: string) {
  const env = messageTemplates();
  return (to: string, vars: { link: string; minutes: number }, language?: Language): OutgoingMessage => {
    const words = inLanguage(language);
    const context = { ...vars, serviceName, ...words };
    const subject = words.t('reset_email.subject', { service: serviceName });
    return { to, subject, text: env.render('reset.text.njk', context), html: env.render('reset.html.njk', context) };
  };
}

export type ResetMessages = ReturnType<typeof createResetMessages>;
