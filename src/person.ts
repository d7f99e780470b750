/**
 * What Stepup needs to know about a person: who they are (the `sub` of their tokens) and
 * where codes and security alerts can go. The standalone server's accounts are people;
 * a host of the plugin hands them over from its own account store.
 */
export interface Person {
  id: string;
  /**
   * where security alerts go, and the name authenticator apps and passkeys show for the
   * account; a person without one gets no alerts and is named by `id`
   */
  email?: string | null;
  phone?: string | null;
  /**
   * the person's saved language (BCP 47, the `locale` claim): their pages, emails and SMS use it
   * unless the sign-in asks for another with `ui_locales`
   */
  locale?: string | null;
  /** a disabled person cannot finish a sign-in */
  disabled?: boolean;
}

/** The host's directory of people, asked by id whenever a sign-in needs the person. */
export interface People {
  findById(id: string): Promise<Person | null>;
}

/** The name an authenticator app or a passkey shows for the person: their email, else their id. */
export const accountLabel = (person: Person): string => person.email || person.id;

/**
 * The person's saved language: a plugin host's `locale`, or the standalone server's account's
 * `locale` profile claim (an account is handed to Stepup as it is stored).
 */
export const savedLocaleOf = (person: Person & { profile?: { locale?: string } }): string | null => person.locale || person.profile?.locale || null;
