import type { Channel } from '../../model/factor.ts';

export interface OutgoingMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
}

/** One delivery channel. `send` throws when the provider refuses or cannot be reached. */
export interface Sender {
  readonly channel: Channel;
  /** named in logs and at start: smtp, twilio, outbox */
  readonly provider: string;
  send(message: OutgoingMessage): Promise<{ providerMessageId: string | null }>;
  /** closes connections kept open between sends */
  close?(): void;
}
