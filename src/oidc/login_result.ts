import type { Reached } from '../assurance/index.ts';
import { SECOND_FACTOR_TS } from './second_factor_time.ts';

export type LoginResult = {
  accountId: string;
  acr: string;
  amr: string[];
  remember: boolean;
  /** auth_time: when the primary factor (the password, else the passkey) was given */
  ts: number;
  [SECOND_FACTOR_TS]?: number;
};

const seconds = (ms: number) => Math.floor(ms / 1000);

/** The login result for oidc-provider of what the assurance service said a sign-in reached. */
export function loginResult(accountId: string, reached: Reached): LoginResult {
  return {
    accountId,
    acr: reached.acr,
    amr: reached.amr,
    remember: true,
    ts: seconds(reached.authTime),
    ...(reached.secondFactorAt !== null ? { [SECOND_FACTOR_TS]: seconds(reached.secondFactorAt) } : {}),
  };
}
