import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as oidc from 'openid-client';
import type { Page } from 'playwright-core';

/**
 * Hosts that install Stepup from its tarball as a host author would (test/plugin_host and
 * test/plugin_packaging): pack, install, run with Node, sign in as a relying party.
 */
const root = join(import.meta.dirname, '..', '..');

/** `npm pack` into `dir` (its prepack builds dist/); answers the tarball's path. */
export function packStepup(dir: string): string {
  const name = execFileSync('npm', ['pack', '--pack-destination', dir, '--silent'], { cwd: root, encoding: 'utf8' }).trim().split('\n').at(-1)!;
  return join(dir, name);
}

/** `npm install` in `dir`, from npm's cache where it can; answers npm's own output (its warnings). */
export async function npmInstall(dir: string, packages: string[]): Promise<string> {
  const { stdout, stderr } = await promisify(execFile)('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', ...packages], { cwd: dir });
  return stdout + stderr;
}

export const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

/** Runs `file` in `cwd` with this Node (24) until it prints "listening"; a host that exits first fails with its output. */
export async function startHost(cwd: string, file: string, env: Record<string, string>): Promise<ChildProcess> {
  const host = spawn(process.execPath, [file], { cwd, env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    host.stdout!.on('data', (chunk: Buffer) => {
      output += chunk;
      if (output.includes('listening')) resolve();
    });
    host.stderr!.on('data', (chunk: Buffer) => {
      output += chunk;
    });
    host.on('exit', (code) => reject(new Error(`${file} in ${cwd} exited with ${code}:\n${output}`)));
  });
  return host;
}

/**
 * A confidential client of `issuer` (openid-client, code flow with PKCE). Its sign-in starts
 * the browser at the authorization endpoint and answers `finish`: it does `action`, waits for
 * the browser at `redirectUri` and exchanges the code, answering the ID token's claims.
 */
export async function hostRelyingParty(issuer: string, clientId: string, secret: string, redirectUri: string) {
  const config = await oidc.discovery(new URL(issuer), clientId, undefined, oidc.ClientSecretBasic(secret), { execute: [oidc.allowInsecureRequests] });
  return async (page: Page, params: Record<string, string> = {}) => {
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid email',
      state,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      ...params,
    });
    await page.goto(url.href);
    return async (action: () => Promise<unknown>) => {
      const callback = page.waitForRequest((request) => request.url().startsWith(redirectUri));
      await action();
      const callbackUrl = new URL((await callback).url());
      // the browser has arrived before it is sent anywhere else
      await page.waitForURL((url) => url.href.startsWith(redirectUri));
      const tokens = await oidc.authorizationCodeGrant(config, callbackUrl, { pkceCodeVerifier: verifier, expectedState: state });
      return tokens.claims()!;
    };
  };
}
