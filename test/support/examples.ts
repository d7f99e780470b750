import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { RunningStepup } from './stepup.ts';
import { freePort } from './stepup_process.ts';

const examples = join(import.meta.dirname, '..', '..', 'examples');
const running: { kill(): void }[] = [];

/**
 * Runs one of examples/ with Node on a free port, the package's kit taken from src (the
 * `stepup-source` export condition), until stopExamples(); resolves with its URL once it says
 * it is listening.
 */
export async function startExample(stepup: RunningStepup, file: string, env: Record<string, string>): Promise<string> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--conditions=stepup-source', join(examples, file)], {
    env: { PATH: process.env.PATH, ISSUER: stepup.issuer, PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(child);
  let output = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk;
      if (output.includes('listening')) resolve();
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk));
    child.on('exit', (code) => reject(new Error(`${file} exited with ${code}:\n${output}`)));
  });
  return `http://127.0.0.1:${port}`;
}

export function stopExamples() {
  for (const child of running.splice(0)) child.kill();
}
