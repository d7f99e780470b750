import type { FactorKind } from '../store/ports.ts';

/** A way to pass the second factor, as the second-factor page offers it. */
export type MethodKind = FactorKind | 'recovery';

/** RFC 8176 amr value each method contributes. */
export const amrOf: Record<MethodKind, 'otp' | 'sms'> = {
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
};
