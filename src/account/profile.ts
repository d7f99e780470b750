import { z } from 'zod';
import type { Clock } from '../clock.ts';
import type { Account, Profile } from '../model/account.ts';
import { personText } from '../person_text.ts';
import type { AccountStore } from '../store/ports.ts';

const field = (max: number, description: string) => personText(max).nullable().optional().describe(`${description}; null removes it`);
const pattern = (regex: RegExp, message: string, description: string) =>
  z.string().regex(regex, message).nullable().optional().describe(`${description}; null removes it`);
const webPage = (description: string) =>
  z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
    .max(2000)
    .nullable()
    .optional()
    .describe(`${description}; null removes it`);
/** The IANA database's zone names (and UTC): the admin API's OpenAPI document lists them, so a schema-valid value is a valid one. */
const timeZones: [string, ...string[]] = ['UTC', ...Intl.supportedValuesOf('timeZone')];

/** The profile claims people and admins may set; each field given replaces the stored one. */
export const profileChangesSchema = z.strictObject({
  name: field(200, 'full name (the name claim)'),
  givenName: field(100, 'given name'),
  familyName: field(100, 'family name'),
  middleName: field(100, 'middle name(s)'),
  nickname: field(100, 'casual name'),
  preferredUsername: field(100, 'the name the person likes to be called by applications'),
  profileUrl: webPage('their profile page (the profile claim)'),
  picture: webPage('a picture of them'),
  website: webPage('their web page or blog'),
  gender: field(50, 'gender: female, male or another word'),
  birthdate: pattern(
    /^\d{4}(-\d{2}-\d{2})?$/,
    'must be YYYY-MM-DD, or YYYY when only the year is given',
    'birthday, YYYY-MM-DD (0000-MM-DD without the year) or YYYY',
  ),
  zoneinfo: z
    .enum(timeZones, { error: 'must be a time zone of the IANA database like Europe/Paris' })
    .nullable()
    .optional()
    .describe('IANA time zone, e.g. Europe/Paris; null removes it'),
  locale: pattern(/^[a-zA-Z]{2,3}([-_][a-zA-Z0-9]{2,8})*$/, 'must be a BCP 47 language tag like en or en-GB', 'BCP 47 language tag, e.g. en-GB'),
});

export type ProfileChanges = z.output<typeof profileChangesSchema>;

/** The profile's fields, as the admin API and the CLI (in kebab case) name them. */
export const profileFields = profileChangesSchema.keyof().options;

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
    middle_name: p.middleName,
    nickname: p.nickname,
    preferred_username: p.preferredUsername,
    profile: p.profileUrl,
    picture: p.picture,
    website: p.website,
    gender: p.gender,
    birthdate: p.birthdate,
    zoneinfo: p.zoneinfo,
    locale: p.locale,
    updated_at: account.profileUpdatedAt === null ? undefined : Math.floor(account.profileUpdatedAt / 1000),
    roles: account.roles,
    // oauth2-proxy's --allowed-group reads "groups"
    groups: account.roles,
  };
}
