import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunningStepup } from './stepup.ts';

export interface OutboxMessage {
  channel: 'email' | 'sms';
  to: string;
  subject: string;
  text: string;
}

/** Every message sent to `to`, read from the development outbox. */
export function messagesTo(stepup: RunningStepup, to: string): OutboxMessage[] {
  const file = join(stepup.dataDir, 'outbox.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as OutboxMessage)
    .filter((m) => m.to === to);
}

/** Messages to `to` whose subject contains `subject`, once there are `count`; waits a little, for mail sent after the answer. */
export async function waitForMessages(stepup: RunningStepup, to: string, subject: string, count = 1): Promise<OutboxMessage[]> {
  for (let tries = 0; tries < 100; tries += 1) {
    const found = messagesTo(stepup, to).filter((m) => m.subject.includes(subject));
    if (found.length >= count) return found;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`fewer than ${count} messages "${subject}" to ${to} in the outbox`);
}

/** The newest message to `to` whose subject contains `subject`. */
export const waitForMessage = async (stepup: RunningStepup, to: string, subject: string) => (await waitForMessages(stepup, to, subject)).at(-1)!;

/** The 6-digit code in the newest email or SMS to `to` that holds one. */
export function latestCode(stepup: RunningStepup, to: string): string {
  // the latest message that holds a code: a security alert may have landed after it
  const code = messagesTo(stepup, to)
    .map((m) => /\b(\d{6})\b/.exec(m.text)?.[1])
    .filter(Boolean)
    .at(-1);
  if (!code) throw new Error(`no code sent to ${to}`);
  return code;
}
