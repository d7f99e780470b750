import { z } from 'zod';
import { type Phrase, phrase } from '../i18n/phrase.ts';
import type { Channel } from '../model/factor.ts';
import { canonicalNumber } from './sms_destination_policy.ts';

/** A phone number as codes are sent to it: E.164, like +15551234567, in its one canonical spelling. */
export const e164 = z
  .string()
  .regex(/^\+[1-9]\d{6,14}$/, 'must be in E.164 form, like +15551234567')
  .overwrite(canonicalNumber);

const targetSchema: Record<Channel, z.ZodType<string>> = {
  email: z.email().max(320),
  sms: e164,
};
const targetError: Record<Channel, Phrase> = {
  email: phrase('enrol.bad_email'),
  sms: phrase('enrol.bad_phone'),
};

/** The address or number typed, checked: the value to send a code to, or what to tell the person. */
export function parseTarget(channel: Channel, target: string): { ok: true; value: string } | { ok: false; error: Phrase } {
  const parsed = targetSchema[channel].safeParse(target.trim());
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, error: targetError[channel] };
}
