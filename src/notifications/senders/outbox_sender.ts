import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Clock } from '../../clock.ts';
import type { Channel } from '../../model/factor.ts';
import { random } from '../../random.ts';
import type { Sender } from './sender.ts';

/**
 * Development delivery: each message becomes one JSON line in $DATA_DIR/outbox.jsonl,
 * where a person (or a test) reads the code.
 */
export function createOutboxSender(channel: Channel, path: string, clock: Clock): Sender {
  let folder: Promise<unknown> | null = null;
  return {
    channel,
    provider: 'outbox',
    async send(message) {
      folder ??= mkdir(dirname(path), { recursive: true });
      await folder;
      const line = { channel, to: message.to, subject: message.subject, text: message.text, createdAt: new Date(clock.now()).toISOString() };
      await appendFile(path, `${JSON.stringify(line)}\n`, { mode: 0o600 });
      return { providerMessageId: `outbox-${random.id(9)}` };
    },
  };
}
