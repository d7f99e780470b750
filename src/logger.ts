import pino, { type Logger } from 'pino';
import type { Config } from './config/schema.ts';

/** JSON logs; pretty ones on a terminal in development. */
export function createLogger(config: Pick<Config, 'logLevel' | 'env'>): Logger {
  const pretty = config.env === 'development' && process.stdout.isTTY;
  return pino({
    level: config.logLevel,
    redact: ['password', 'code', 'secret', 'token', '*.password', '*.code', '*.secret', '*.token'],
    ...(pretty ? { transport: { target: 'pino-pretty', options: { ignore: 'pid,hostname' } } } : {}),
  });
}
