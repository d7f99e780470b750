import type { Channel } from '../../model/factor.ts';
import type { Sender } from './sender.ts';

/** A channel the host did not configure: every send fails, so codes fall back to the other channel. */
export function createUnavailableSender(channel: Channel): Sender {
  return {
    channel,
    provider: 'none',
    send: () => Promise.reject(new Error(`no ${channel} sender is configured`)),
  };
}
