import type { FactorKind } from '../model/factor.ts';

/** A way to pass the second factor, as the second-factor page offers it. */
export type MethodKind = FactorKind | 'recovery';

/** A method checked by a code typed in. */
export type CodeMethod = Exclude<MethodKind, 'webauthn'>;

/** RFC 8176 amr value each code method contributes. */
export const amrOf: Record<CodeMethod, 'otp' | 'sms'> = {
  totp: 'otp',
  email: 'otp',
  sms: 'sms',
  recovery: 'otp',
};

export const methodLabel: Record<MethodKind, string> = {
  totp: 'Authenticator app',
  email: 'Email code',
  sms: 'SMS code',
  recovery: 'Recovery code',
  webauthn: 'Passkey',
};

/** Each method's name in the catalogs (locales/*.json): what a person's alerts and pages show. */
export const methodKey: Record<MethodKind, string> = {
  totp: 'method.totp',
  email: 'method.email',
  sms: 'method.sms',
  recovery: 'method.recovery',
  webauthn: 'method.webauthn',
};

/** A second factor passed: its method, and the RFC 8176 amr values it adds. */
export interface FactorPassed {
  method: MethodKind;
  amr: string[];
  /** a passkey's: which one, and when it starts to prove phr (none given: it never does) */
  factorId?: string;
  phrFrom?: number;
  /** a passkey's: the fingerprint of the sign-in it was registered in (`registeredIn`) */
  addedIn?: string;
}

export const codePassed = (method: CodeMethod): FactorPassed => ({ method, amr: [amrOf[method]] });
