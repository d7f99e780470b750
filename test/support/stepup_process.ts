import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';

const main = resolve(import.meta.dirname, '../../src/main.ts');

/** A port nothing listens on now, for a server another process will open. */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer()
      .once('error', fail)
      .listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => done(port));
      });
  });
}

export interface RunningProcess {
  url: string;
  pid: number;
  /** what the process wrote to stdout and stderr so far */
  output(): string;
  /** Sends the signal and waits for the process to end. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export type StepupProcess = RunningProcess;

/**
 * `node src/main.ts` in a process of its own, as an operator starts it, on the storage `env`
 * names (never a MONGODB_URI inherited from the test run); resolves once /healthz answers 200.
 */
export async function startStepupProcess(env: Record<string, string>): Promise<StepupProcess> {
  const port = Number(env.PORT ?? (await freePort()));
  return startProcess('Stepup', process.execPath, [main], {
    env: { NODE_OPTIONS: '', MONGODB_URI: '', NODE_ENV: 'test', LOG_LEVEL: 'warn', ...env, PORT: String(port) },
    url: `http://127.0.0.1:${port}`,
    readyPath: '/healthz',
  });
}

/**
 * Runs `command` with the test's environment plus `env`; resolves once `url` + `readyPath`
 * answers 2xx, and stops the process if it does not within 30 s.
 */
export async function startProcess(
  name: string,
  command: string,
  args: string[],
  { env, url, readyPath, cwd }: { env: Record<string, string>; url: string; readyPath: string; cwd?: string },
): Promise<RunningProcess> {
  const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const running: RunningProcess = {
    url,
    pid: child.pid!,
    output: () => output,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; ) {
    if (child.exitCode !== null) throw new Error(`${name} exited with code ${child.exitCode}:\n${output}`);
    const ready = await fetch(`${url}${readyPath}`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) return running;
    await new Promise((r) => setTimeout(r, 100));
  }
  await running.stop('SIGKILL');
  throw new Error(`${name} did not answer ${readyPath} within 30 s:\n${output}`);
}
