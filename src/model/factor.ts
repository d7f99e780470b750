/** Second factors, the codes sent for them, and the log of what was sent. Times are epoch ms. */

export type FactorKind = 'totp' | 'email' | 'sms' | 'webauthn';

/** A WebAuthn credential (a passkey): what checking its assertions needs, and what its owner sees. */
export interface Passkey {
  /** base64url; unique across every account */
  credentialId: string;
  /** the COSE public key, base64url */
  publicKey: string;
  /** the signature counter last seen; 0 when the authenticator keeps none */
  counter: number;
  /** how the browser may reach the authenticator (internal, usb, hybrid...) */
  transports: string[];
  /** backup eligible: a synced passkey (amr swk), else bound to one device (amr hwk) */
  synced: boolean;
  backedUp: boolean;
  /** the authenticator verified the user (PIN, biometrics) when it was registered */
  userVerified: boolean;
  /** given by its owner, e.g. "Work laptop" */
  name: string;
  lastUsedAt: number | null;
  /** when it starts to prove phr (a hold after being added from a 2fa session); absent: at once */
  phrFrom?: number;
  /**
   * A SHA-256 of the binding (the sign-in's interaction) it was registered in: that sign-in
   * never counts its use as phr, whatever is forgotten of it meanwhile. Absent: before this was kept.
   */
  addedIn?: string;
}

export interface Factor {
  id: string;
  accountId: string;
  kind: FactorKind;
  /** TOTP secret encrypted at rest; null for delivered codes */
  secretCiphertext: string | null;
  /** email address or phone number for delivered codes */
  target: string | null;
  confirmedAt: number | null;
  /** last TOTP time step accepted; a step at or below it is a replay */
  lastTimeStep: number | null;
  createdAt: number;
  /** the credential, for a factor of kind webauthn only */
  passkey?: Passkey;
}

/** An email or SMS code sent to one factor; at most one is live per factor. */
export interface IssuedCode {
  /** the factor's id, or the id a factor being enrolled will have */
  factorId: string;
  accountId: string;
  codeHash: string;
  expiresAt: number;
  attempts: number;
  consumedAt: number | null;
  createdAt: number;
}

export type Channel = 'email' | 'sms';

/** Why an SMS was not sent: the number itself, or one of the budgets that stop SMS pumping. */
export type SmsRefusal = 'refused_country' | 'refused_number_type' | 'destination_budget' | 'prefix_budget' | 'daily_budget';

/** What became of a request to send a code. */
export type SendOutcome =
  | { kind: 'sent'; channel: Channel; maskedTo: string; fallbackFrom: Channel | null; expiresAt: number }
  | { kind: 'cooldown' | 'capped'; retryAt: number }
  | { kind: 'failed' }
  /** no channel delivered and an SMS was refused (toll-fraud limits): why */
  | { kind: 'refused'; reason: SmsRefusal };

/** One message sent (or not) to a person: the delivery log. */
export interface Delivery {
  id: string;
  accountId: string;
  channel: Channel;
  /** the destination as shown to people, e.g. j***@example.com */
  maskedTo: string;
  purpose: 'code' | 'alert' | 'password_reset';
  /** refused: never handed to the provider (an SMS the toll-fraud limits stopped) */
  result: 'sent' | 'failed' | 'refused';
  /** provider's reason on failure, or the refusal (SmsRefusal); never message content */
  reason: string | null;
  providerMessageId: string | null;
  /** the channel that failed first, when this one was the fallback */
  fallbackFrom: Channel | null;
  /** provider's later delivery status (Twilio status callback) */
  status: string | null;
  createdAt: number;
}
