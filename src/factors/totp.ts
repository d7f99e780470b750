import { generate, generateSecret, generateURI, verify } from 'otplib';
import type { Clock } from '../clock.ts';

export interface TotpSettings {
  digits: 6 | 8;
  periodSeconds: number;
  driftSteps: number;
}

/** RFC 6238 TOTP (SHA-1) through otplib, on the injected clock. */
export function createTotp(settings: TotpSettings, clock: Clock) {
  const common = { digits: settings.digits, period: settings.periodSeconds };
  const epoch = () => Math.floor(clock.now() / 1000);
  const codePattern = new RegExp(`^\\d{${settings.digits}}$`);

  return {
    newSecret: () => generateSecret(),
    uri: (issuer: string, label: string, secret: string) => generateURI({ ...common, issuer, label, secret }),
    /** The code for now; used by tests and the benchmark, which play the authenticator app. */
    codeFor: (secret: string, at = clock.now()) => generate({ ...common, secret, epoch: Math.floor(at / 1000) }),
    /**
     * The time step the code belongs to, within the allowed drift and after `afterTimeStep`;
     * null when the code does not match.
     */
    async match(secret: string, code: string, afterTimeStep: number | null): Promise<number | null> {
      if (!codePattern.test(code)) return null;
      try {
        const result = await verify({
          ...common,
          secret,
          token: code,
          epoch: epoch(),
          epochTolerance: settings.driftSteps * settings.periodSeconds,
          ...(afterTimeStep === null ? {} : { afterTimeStep }),
        });
        return result.valid && 'timeStep' in result ? result.timeStep : null;
      } catch {
        // otplib refuses an afterTimeStep beyond the window (a clock set back): no match
        return null;
      }
    },
  };
}

export type Totp = ReturnType<typeof createTotp>;
