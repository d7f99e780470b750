/**
 * argon2, mongodb and twilio are optional for a host (package.json's optional peers): each
 * loads only where it is used, and a missing one is an error that says what to install.
 */
export function missingPackage(error: unknown, name: string, usedFor: string): Error | undefined {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  const notFound = code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
  if (!notFound || typeof message !== 'string' || !message.includes(`'${name}'`)) return undefined;
  return new Error(`${usedFor} needs the ${name} package: npm install ${name}`, { cause: error });
}

/** Loads `load` (an import of, or through, the optional package `name`), naming the package if it is missing. */
export async function loadOptional<T>(name: string, usedFor: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    throw missingPackage(error, name, usedFor) ?? error;
  }
}
