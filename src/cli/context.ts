import type { AdminServices } from '../container.ts';

/** A mistake on the command line: exit code 2. */
export class UsageError extends Error {}

/**
 * Runs `work` with the admin services on the server's configuration and storage, then closes
 * them. Only those: no oidc-provider, no pages, no argon2 unless a password is hashed.
 */
export async function withAdminServices<T>(work: (services: AdminServices) => Promise<T>): Promise<T> {
  // these modules load only for a command that uses them: not for --help or a usage error
  const [{ loadConfig }, { buildAdminServices }, { createLogger }] = await Promise.all([
    import('../config/load.ts'),
    import('../container.ts'),
    import('../logger.ts'),
  ]);
  const config = loadConfig();
  const services = await buildAdminServices(config, createLogger({ ...config, logLevel: 'warn', env: 'production' }, 2));
  try {
    return await work(services);
  } finally {
    await services.close();
  }
}

export async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) throw new UsageError('--password-stdin reads the password from standard input; pipe it in');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** For numeric options: a whole number, or a usage error. */
export function integer(value: string): number {
  if (!/^\d+$/.test(value)) throw new UsageError(`expected a whole number, not "${value}"`);
  return Number(value);
}

/** For repeatable options. */
export const collect = (value: string, previous: string[] = []) => [...previous, value];

/**
 * JSON for scripts with --json, else whatever `human` prints. JSON.stringify escapes C0
 * controls but writes DEL and C1 ones (U+009B is a CSI to some terminals) as they are, so
 * those are escaped too: the same JSON, safe to read on a terminal.
 */
export function output(json: boolean, value: unknown, human: () => void) {
  if (json) console.log(JSON.stringify(value, null, 2).replace(/[\u007f-\u009f]/gu, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
  else human();
}
