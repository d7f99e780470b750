import { createHash, randomBytes } from 'node:crypto';
import {
  type AuthenticatorTransport,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import type { Clock } from '../clock.ts';
import type { Factor, Passkey } from '../model/factor.ts';
import { accountLabel, type Person } from '../person.ts';
import { random } from '../random.ts';
import type { Gate } from '../security/lockout.ts';
import { DuplicateError, type FactorStore, type RecordStore, type SettingStore } from '../store/ports.ts';
import type { FactorPassed } from './methods.ts';

const challengeKind = 'PasskeyChallenge';

export interface PasskeyDeps {
  factors: FactorStore;
  records: RecordStore;
  settings: SettingStore;
  clock: Clock;
  /** the issuer: its origin is the one ceremonies must come from, its host the RP ID */
  issuer: string;
  serviceName: string;
  /** how long a ceremony's challenge lives (an interaction's lifetime) */
  lifetimeMs: number;
  /** stores a confirmed factor with the account's first recovery codes (SecondFactors.addFactor) */
  addFactor: (factor: Factor) => Promise<string[]>;
}

/** Why an assertion or a registration was refused: the detail for the audit log, never for the page. */
export type PasskeyRefusal = 'no_challenge' | 'invalid' | 'unknown_credential' | 'other_account' | 'counter' | 'registered';

export type AssertionOutcome = { kind: 'ok'; factor: Factor; passed: FactorPassed; userVerified: boolean } | { kind: 'refused'; reason: PasskeyRefusal };

/** A passwordless assertion: refusals name the account when the credential is known, so failures count against it. */
export type SignInAssertion =
  | Extract<AssertionOutcome, { kind: 'ok' }>
  | { kind: 'refused'; reason: PasskeyRefusal; accountId: string | null }
  | { kind: 'locked'; until: number; accountId: string };

/** A registered passkey proves nothing yet: only its assertions do. */
export type Registration = { factor: Factor; recoveryCodes: string[] } | { refused: PasskeyRefusal };

// 'discover': a passwordless sign-in, whose challenge belongs to no account until the credential names one
type Ceremony = 'register' | 'authenticate' | 'discover';

/** RFC 8176: hwk for a key bound to one device, swk for a synced one; user when it verified the person. */
/** The fingerprint of a registration's binding kept on the passkey: the binding itself is a live secret while the sign-in lasts. */
export const registeredIn = (binding: string) => createHash('sha256').update(`passkey-registration:${binding}`).digest('base64url');

export const passkeyAmr = (passkey: Passkey, userVerified: boolean) => [passkey.synced ? 'swk' : 'hwk', ...(userVerified ? ['user'] : [])];

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The browser's credential, sent as JSON text in a form field; null when it is not one. */
function parseCredential(json: string): Record<string, unknown> | null {
  try {
    const parsed: unknown = JSON.parse(json);
    return isObject(parsed) && typeof parsed.id === 'string' && isObject(parsed.response) ? parsed : null;
  } catch {
    return null;
  }
}

/**
 * WebAuthn ceremonies: registering a passkey and checking its assertions. Each ceremony's
 * challenge belongs to one binding attempt (an interaction or an account-area session) and is
 * spent by the first answer, right or wrong. The relying party is the issuer: its host is the
 * RP ID, its origin the only one accepted. Attestation `none` is asked for and accepted.
 */
export function createPasskeys(deps: PasskeyDeps) {
  const { factors, records, clock } = deps;
  const origin = new URL(deps.issuer).origin;
  const rpID = new URL(deps.issuer).hostname;
  const challengeId = (binding: string, ceremony: Ceremony) => `${binding}:${ceremony}`;

  async function saveChallenge(binding: string, ceremony: Ceremony, accountId: string | null, challenge: string) {
    const index = accountId ? { accountId } : undefined;
    await records.upsert(challengeKind, challengeId(binding, ceremony), { accountId, challenge }, clock.now() + deps.lifetimeMs, index);
  }

  /** The ceremony's challenge, spent: only the first call gets it. */
  async function spendChallenge(binding: string, ceremony: Ceremony, accountId: string | null): Promise<string | null> {
    const id = challengeId(binding, ceremony);
    const record = await records.find(challengeKind, id);
    if (!record || record.consumedAt !== null || !(await records.consume(challengeKind, id, clock.now()))) return null;
    await records.destroy(challengeKind, id);
    return record.payload.accountId === accountId ? String(record.payload.challenge) : null;
  }

  /** The account's WebAuthn user handle: random, made once, never the email. */
  async function userHandle(accountId: string): Promise<string> {
    return deps.settings.putIfAbsent(`passkey-user-handle:${accountId}`, random.id(32));
  }

  const descriptors = (factors: Factor[]) =>
    factors.flatMap(({ passkey }) => (passkey ? [{ id: passkey.credentialId, transports: passkey.transports as AuthenticatorTransport[] }] : []));

  /** Checks the browser's answer to registrationOptions: the new factor, not yet stored, or why it was refused. */
  async function verifyRegistration(
    binding: string,
    accountId: string,
    credentialJson: string,
    name: string,
    phrFrom: number,
  ): Promise<{ factor: Factor; passkey: Passkey } | { refused: PasskeyRefusal }> {
    const challenge = await spendChallenge(binding, 'register', accountId);
    if (!challenge) return { refused: 'no_challenge' };
    const response = parseCredential(credentialJson);
    if (!response) return { refused: 'invalid' };
    const info = await verifyRegistrationResponse({
      response: response as never,
      expectedChallenge: challenge,
      expectedOrigin: origin,
      expectedRPID: rpID,
      requireUserVerification: false,
    }).then(
      (verified) => (verified.verified ? verified.registrationInfo : null),
      () => null,
    );
    if (!info) return { refused: 'invalid' };
    const now = clock.now();
    const passkey: Passkey = {
      credentialId: info.credential.id,
      publicKey: Buffer.from(info.credential.publicKey).toString('base64url'),
      counter: info.credential.counter,
      transports: info.credential.transports ?? [],
      synced: info.credentialDeviceType === 'multiDevice',
      backedUp: info.credentialBackedUp,
      userVerified: info.userVerified,
      name,
      lastUsedAt: now,
      phrFrom,
      addedIn: registeredIn(binding),
    };
    return {
      passkey,
      factor: {
        id: random.id(),
        accountId,
        kind: 'webauthn',
        secretCiphertext: null,
        target: null,
        confirmedAt: now,
        lastTimeStep: null,
        createdAt: now,
        passkey,
      },
    };
  }

  /**
   * The assertion of a known passkey against a spent challenge: origin, RP ID, signature, and a
   * signature counter that went up (else a replay or a cloned authenticator). Its last use is recorded.
   */
  async function checkAssertion(challenge: string, response: Record<string, unknown>, factor: Factor): Promise<AssertionOutcome> {
    const passkey = factor.passkey;
    if (!passkey) throw new Error(`factor ${factor.id} is not a passkey`);
    const info = await verifyAuthenticationResponse({
      response: response as never,
      expectedChallenge: challenge,
      expectedOrigin: origin,
      expectedRPID: rpID,
      // the counter is checked below, atomically by the store: the library is shown none
      credential: { id: passkey.credentialId, publicKey: Buffer.from(passkey.publicKey, 'base64url'), counter: 0 },
      requireUserVerification: false,
    }).then(
      (verified) => (verified.verified ? verified.authenticationInfo : null),
      () => null,
    );
    if (!info) return { kind: 'refused', reason: 'invalid' };
    if (!(await factors.acceptPasskeyUse(factor.id, info.newCounter, clock.now()))) return { kind: 'refused', reason: 'counter' };
    const passed = {
      method: 'webauthn' as const,
      amr: passkeyAmr(passkey, info.userVerified),
      factorId: factor.id,
      phrFrom: passkey.phrFrom ?? 0,
      addedIn: passkey.addedIn,
    };
    return { kind: 'ok', factor, passed, userVerified: info.userVerified };
  }

  return {
    rpID,

    /** Options for navigator.credentials.create(): the account's passkeys are excluded, so none is registered twice. */
    async registrationOptions(binding: string, person: Person, existing: Factor[]): Promise<PublicKeyCredentialCreationOptionsJSON> {
      const options = await generateRegistrationOptions({
        rpName: deps.serviceName,
        rpID,
        userName: accountLabel(person),
        userDisplayName: accountLabel(person),
        userID: Buffer.from(await userHandle(person.id), 'base64url'),
        attestationType: 'none',
        excludeCredentials: descriptors(existing),
        authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
      });
      await saveChallenge(binding, 'register', person.id, options.challenge);
      return options;
    },

    /**
     * Checks the browser's answer to registrationOptions and stores the passkey, with the
     * account's first recovery codes when it has none: the codes to show once, or why it was
     * refused. `name` is what its owner calls it; `phrFrom`, when it starts to prove phr.
     */
    async register(binding: string, accountId: string, credentialJson: string, name: string, phrFrom: number): Promise<Registration> {
      const checked = await verifyRegistration(binding, accountId, credentialJson, name, phrFrom);
      if ('refused' in checked) return checked;
      const { factor } = checked;
      try {
        return { factor, recoveryCodes: await deps.addFactor(factor) };
      } catch (error) {
        if (error instanceof DuplicateError) return { refused: 'registered' };
        throw error;
      }
    },

    /**
     * Options for navigator.credentials.get(), limited to the account's passkeys. With `covers`
     * (what a transaction approval approves), the challenge ends with its SHA-256, so the
     * authenticator's signature covers the approved details too.
     */
    async authenticationOptions(binding: string, accountId: string, passkeys: Factor[], covers?: string): Promise<PublicKeyCredentialRequestOptionsJSON> {
      const fresh = randomBytes(16);
      const options = await generateAuthenticationOptions({
        rpID,
        allowCredentials: descriptors(passkeys),
        userVerification: 'preferred',
        ...(covers === undefined ? {} : { challenge: new Uint8Array(Buffer.concat([fresh, createHash('sha256').update(covers).digest()])) }),
      });
      await saveChallenge(binding, 'authenticate', accountId, options.challenge);
      return options;
    },

    /**
     * Checks an assertion of `accountId`'s passkey against this binding's challenge: origin,
     * RP ID, signature, and a signature counter that went up (else a replay or a cloned
     * authenticator). The passkey's last use is recorded.
     */
    async verifyAssertion(binding: string, accountId: string, credentialJson: string): Promise<AssertionOutcome> {
      const challenge = await spendChallenge(binding, 'authenticate', accountId);
      if (!challenge) return { kind: 'refused', reason: 'no_challenge' };
      const response = parseCredential(credentialJson);
      if (!response) return { kind: 'refused', reason: 'invalid' };
      const factor = await factors.findByCredentialId(response.id as string);
      if (!factor?.passkey || factor.confirmedAt === null) return { kind: 'refused', reason: 'unknown_credential' };
      if (factor.accountId !== accountId) return { kind: 'refused', reason: 'other_account' };
      return checkAssertion(challenge, response, factor);
    },

    /** Options for a passwordless sign-in: no allowCredentials, so the authenticator offers its discoverable passkeys. */
    async signInOptions(binding: string): Promise<PublicKeyCredentialRequestOptionsJSON> {
      const options = await generateAuthenticationOptions({ rpID, userVerification: 'preferred' });
      await saveChallenge(binding, 'discover', null, options.challenge);
      return options;
    },

    /**
     * Checks a passwordless assertion against this binding's challenge, spent first whatever
     * follows. The credential names the account, whose user handle it must carry; `admit`
     * (the lockout) is asked before the signature is checked, so a locked account is refused unchecked.
     */
    async verifySignIn(binding: string, credentialJson: string, admit: (accountId: string) => Promise<Gate>): Promise<SignInAssertion> {
      const challenge = await spendChallenge(binding, 'discover', null);
      const response = parseCredential(credentialJson);
      const factor = response ? await factors.findByCredentialId(response.id as string) : null;
      const accountId = factor?.passkey && factor.confirmedAt !== null ? factor.accountId : null;
      if (!response) return { kind: 'refused', reason: 'invalid', accountId };
      if (!accountId || !factor) return { kind: 'refused', reason: 'unknown_credential', accountId };
      const gate = await admit(accountId);
      if (!gate.allowed) return { kind: 'locked', until: gate.lockedUntil, accountId };
      if (!challenge) return { kind: 'refused', reason: 'no_challenge', accountId };
      const handle = isObject(response.response) ? response.response.userHandle : undefined;
      if (handle !== (await userHandle(accountId))) return { kind: 'refused', reason: 'invalid', accountId };
      const outcome = await checkAssertion(challenge, response, factor);
      return outcome.kind === 'ok' ? outcome : { ...outcome, accountId };
    },
  };
}

export type Passkeys = ReturnType<typeof createPasskeys>;
