// A module hook for the CLI's start-up test (node --import): records the packages of
// node_modules that Stepup's own modules load, into the file STEPUP_TEST_LOADED names, at exit.
import { appendFileSync } from 'node:fs';
import { registerHooks } from 'node:module';

const loaded = new Set();
registerHooks({
  resolve(specifier, context, nextResolve) {
    const resolved = nextResolve(specifier, context);
    const fromOurs = context.parentURL !== undefined && !context.parentURL.includes('/node_modules/');
    const name = fromOurs ? /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(resolved.url)?.[1] : undefined;
    if (name) loaded.add(name);
    return resolved;
  },
});
process.on('exit', () => appendFileSync(process.env.STEPUP_TEST_LOADED, [...loaded].map((name) => `${name}\n`).join('')));
