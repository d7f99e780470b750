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

export interface StepupProcess {
  url: string;
  pid: number;
  /** what the process wrote to stdout and stderr so far */
  output(): string;
  /** Sends the signal and waits for the process to end. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * `node src/main.ts` in a process of its own, as an operator starts it, on the storage `env`
 * names (never a MONGODB_URI inherited from the test run); resolves once /healthz answers 200.
 */
export async function startStepupProcess(env: Record<string, string>): Promise<StepupProcess> {
  const port = Number(env.PORT ?? (await freePort()));
  const child = spawn(process.execPath, [main], {
    env: { ...process.env, NODE_OPTIONS: '', MONGODB_URI: '', NODE_ENV: 'test', LOG_LEVEL: 'warn', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const url = `http://127.0.0.1:${port}`;
  const running: StepupProcess = {
    url,
    pid: child.pid!,
    output: () => output,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; ) {
    if (child.exitCode !== null) throw new Error(`Stepup exited with code ${child.exitCode}:\n${output}`);
    const healthy = await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (healthy) return running;
    await new Promise((r) => setTimeout(r, 100));
  }
  await running.stop('SIGKILL');
  throw new Error(`Stepup did not answer /healthz within 30 s:\n${output}`);
}
