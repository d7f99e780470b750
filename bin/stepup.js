#!/usr/bin/env node
// The `stepup` command. In a checkout Node 24 runs the TypeScript sources (type stripping);
// an installed package has only the compiled dist/, since Node strips no types in node_modules.
import { existsSync } from 'node:fs';
import { enableCompileCache } from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';

// Each command is a new process that loads the admin services: V8's cache on disk saves about a
// third of that on every command after the first. It lives in the user's own home, not in the
// shared temp directory (Node's default), where another local user could plant compiled code
// for an admin's next command to run. Where the home is not writable it is simply not used.
enableCompileCache(join(homedir(), '.cache', 'stepup', 'compile-cache'));

const sources = new URL('../src/cli/main.ts', import.meta.url);
const { runCli } = await import(existsSync(sources) ? sources.href : new URL('../dist/cli/main.js', import.meta.url).href);

process.exitCode = await runCli(process.argv.slice(2));
