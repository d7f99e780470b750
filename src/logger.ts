import pino, { type Logger } from 'pino';
import type { Config } from './config/schema.ts';

/** pino-pretty is a development package: a production install has none, and logs JSON. */
function prettyInstalled(): boolean {
  try {
    import.meta.resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}

/**
 * JSON logs; pretty ones on a terminal in development. The CLI logs to stderr (fd 2)
 * so its standard output stays machine-readable.
 */
export function createLogger(config: Pick<Config, 'logLevel' | 'env'>, fd: 1 | 2 = 1): Logger {
  const pretty = config.env === 'development' && process.stdout.isTTY && prettyInstalled();
  const options = {
    level: config.logLevel,
    redact: ['password', 'code', 'secret', 'token', '*.password', '*.code', '*.secret', '*.token'],
  };
  if (pretty) return pino({ ...options, transport: { target: 'pino-pretty', options: { ignore: 'pid,hostname', destination: fd } } });
  return pino(options, pino.destination(fd));
}
