import { z } from 'zod';
import type { Clock } from '../clock.ts';
import type { Account, AccountStore, Profile } from '../store/ports.ts';

const field = (max: number, description: string) => z.string().trim().min(1).max(max).nullable().optional().describe(`${description}; null removes it`);

/** The profile claims people and admins may set; each field given replaces the stored one. */
export const profileChangesSchema = z.strictObject({
  name: field(200, 'full name (the name claim)'),
  givenName: field(100, 'given name'),
  familyName: field(100, 'family name'),
  preferredUsername: field(100, 'the name the person likes to be called by applications'),
  locale: z
    .string()
    .regex(/^[a-zA-Z]{2,3}([-_][a-zA-Z0-9]{2,8})*$/, 'must be a BCP 47 language tag like en or en-GB')
    .nullable()
    .optional()
    .describe('BCP 47 language tag, e.g. en-GB; null removes it'),
});

export type ProfileChanges = z.output<typeof profileChangesSchema>;

/** A role: a word applications match on (oauth2-proxy --allowed-group, for one). */
export const roleSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$/, 'must be a word of letters, digits and . _ : / - (at most 64)');
export const rolesSchema = z
  .array(roleSchema)
  .max(50)
  .transform((roles) => [...new Set(roles)].sort());

/** The profile with the changes applied; null and empty fields go. */
export function applyProfileChanges(profile: Profile, changes: ProfileChanges): Profile {
  const merged: Record<string, string | null | undefined> = { ...profile, ...changes };
  return Object.fromEntries(Object.entries(merged).filter(([, value]) => typeof value === 'string' && value !== '')) as Profile;
}

/** Sets profile fields and stamps updated_at; the account as stored afterwards, or null. */
export async function updateProfile(accounts: AccountStore, clock: Clock, account: Account, changes: ProfileChanges): Promise<Account | null> {
  return accounts.update(account.id, { profile: applyProfileChanges(account.profile, changes), profileUpdatedAt: clock.now() });
}

/** The profile and roles claims of an account, as OIDC names them. */
export function profileClaims(account: Account) {
  const p = account.profile;
  return {
    name: p.name,
    given_name: p.givenName,
    family_name: p.familyName,
    preferred_username: p.preferredUsername,
    locale: p.locale,
    updated_at: account.profileUpdatedAt === null ? undefined : Math.floor(account.profileUpdatedAt / 1000),
    roles: account.roles,
    // oauth2-proxy's --allowed-group reads "groups"
    groups: account.roles,
  };
}
