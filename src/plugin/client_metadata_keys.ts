import type { Configuration } from 'oidc-provider';
import { extraClientProperties } from '../oidc/client_metadata.ts';

/** `mfa-policy`, `mfaPolicy` and `MFA_POLICY` all read as `mfapolicy`. */
const squashed = (key: string) => key.toLowerCase().replace(/[^a-z0-9]/g, '');

/** Edits (insert, delete, replace, swap two neighbours) from one word to the other. */
function editDistance(a: string, b: string): number {
  const width = b.length + 1;
  const table = new Uint16Array((a.length + 1) * width);
  const at = (i: number, j: number) => table[i * width + j] as number;
  for (let i = 0; i <= a.length; i++) table[i * width] = i;
  for (let j = 0; j <= b.length; j++) table[j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      table[i * width + j] = best;
    }
  }
  return at(a.length, b.length);
}

const stepupWords = extraClientProperties.map(squashed);

/**
 * A key that reads like one of Stepup's but is not (`mfa_polcy`, `first_party_`, `mfaPolicy`):
 * oidc-provider drops client metadata it does not know without a word, so the client would
 * quietly get the default policy. No key of oidc-provider's reads like this (a test checks).
 */
function looksLikeStepups(key: string): boolean {
  const word = squashed(key);
  return word.startsWith('mfa') || word.startsWith('firstparty') || word.startsWith('stepup') || stepupWords.some((known) => editDistance(word, known) <= 2);
}

/** The keys of one client's metadata that look like Stepup's and are not, nor the host's own extra metadata. */
export function misspeltStepupKeys(metadata: object, hostProperties: readonly string[] = []): string[] {
  return Object.keys(metadata).filter((key) => !extraClientProperties.includes(key) && !hostProperties.includes(key) && looksLikeStepups(key));
}

/** Refuses the host's static clients that carry a misspelt Stepup key, naming each and the keys Stepup has. */
export function checkClientMetadataKeys(host: Configuration): void {
  const hostProperties = host.extraClientMetadata?.properties ?? [];
  const problems = (host.clients ?? []).flatMap((client) =>
    misspeltStepupKeys(client, hostProperties).map((key) => `  - client ${JSON.stringify(client.client_id)}: ${key} is not client metadata`),
  );
  if (problems.length) {
    throw new TypeError(
      `unknown client metadata (oidc-provider would drop it without a word):\n${problems.join('\n')}\nStepup's client metadata keys are ${extraClientProperties.join(', ')}`,
    );
  }
}
