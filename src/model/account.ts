/** A person as Stepup keeps them: the account, its profile and roles. */

export interface Account {
  id: string;
  email: string;
  phone: string | null;
  passwordHash: string;
  disabled: boolean;
  /**
   * The owner proved control of `email` (a reset link used, an emailed code) or an admin
   * vouched for it; a new email starts unproven.
   */
  emailVerified: boolean;
  /** the OIDC profile claims an admin or the person set; empty until then */
  profile: Profile;
  /** when `profile` last changed (the updated_at claim); null if never */
  profileUpdatedAt: number | null;
  /** given by admins; released as the roles and groups claims */
  roles: string[];
  createdAt: number;
}

export interface Profile {
  name?: string;
  givenName?: string;
  familyName?: string;
  middleName?: string;
  nickname?: string;
  preferredUsername?: string;
  /** the profile claim: a URL of their profile page */
  profileUrl?: string;
  picture?: string;
  website?: string;
  gender?: string;
  /** YYYY-MM-DD or YYYY */
  birthdate?: string;
  /** IANA time zone, e.g. Europe/Paris */
  zoneinfo?: string;
  /** BCP 47, e.g. en-GB */
  locale?: string;
}

export type NewAccount = Omit<Account, 'disabled' | 'emailVerified' | 'profile' | 'profileUpdatedAt' | 'roles'> &
  Partial<Pick<Account, 'emailVerified' | 'profile' | 'profileUpdatedAt' | 'roles'>>;

export type AccountChanges = Partial<Pick<Account, 'email' | 'phone' | 'disabled' | 'emailVerified' | 'profile' | 'profileUpdatedAt' | 'roles'>>;
