/** OIDC Core acr values: how strongly the person signed in, weakest first. */
export const ACR_1FA = 'urn:stepup:loa:1fa';
export const ACR_2FA = 'urn:stepup:loa:2fa';
/** phishing-resistant: a WebAuthn assertion, with the password, of a passkey that proves it */
export const ACR_PHR = 'urn:stepup:loa:phr';
export const acrValues = [ACR_1FA, ACR_2FA, ACR_PHR];

export type Acr = typeof ACR_1FA | typeof ACR_2FA | typeof ACR_PHR;

/** A level's place in the order; 0 for a value that is not one of ours. */
export const acrRank = (acr: unknown): number => acrValues.indexOf(acr as string) + 1;

/** The level of a rank (1..3). */
export const acrOfRank = (rank: number): Acr => acrValues[Math.min(Math.max(rank, 1), 3) - 1] as Acr;

/** Whether a session at `held` satisfies a request for `needed`: a higher level satisfies a lower one. */
export const satisfies = (held: unknown, needed: Acr) => acrRank(held) >= acrRank(needed);
