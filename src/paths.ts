import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package's root: views/ and config/ sit beside src/ and dist/, in the checkout and in the tarball. */
export const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

export const viewsDir = join(projectRoot, 'views');
