/** A client application as stored: its metadata, and how strongly it wants people signed in. */

export type MfaPolicy = 'required' | 'on-request' | 'phishing-resistant';

export interface ClientRecord {
  clientId: string;
  /** oidc-provider client metadata, without the secret */
  metadata: Record<string, unknown>;
  /** client secret encrypted at rest; null for public clients */
  secretCiphertext: string | null;
  createdAt: number;
}
