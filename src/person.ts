/**
 * What Stepup needs to know about a person: who they are (the `sub` of their tokens) and
 * where codes and security alerts can go. The standalone server's accounts are people;
 * a host of the plugin hands them over from its own account store.
 */
export interface Person {
  id: string;
  email: string;
  phone?: string | null;
  /** a disabled person cannot finish a sign-in */
  disabled?: boolean;
}

/** The host's directory of people, asked by id whenever a sign-in needs the person. */
export interface People {
  findById(id: string): Promise<Person | null>;
}
