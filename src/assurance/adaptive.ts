/**
 * Adaptive step-up's rules: which risk signals a password sign-in fires, from facts the risk
 * service gathered. Pure, so test/adaptive_rules.test.ts holds them in tables.
 */

import type { RiskSignal } from '../model/risk_signals.ts';
import { ACR_1FA } from './levels.ts';
import type { Reached } from './proofs.ts';

export { type RiskSignal, riskSignals } from '../model/risk_signals.ts';

/** What the deployment turns on (config `adaptive`); every signal is on by default. */
export interface AdaptiveSettings {
  newBrowser: boolean;
  newNetwork: { enabled: boolean; days: number };
  recentFailures: { enabled: boolean; count: number; windowSeconds: number };
  newCountry: boolean;
  impossibleTravel: { enabled: boolean; kmPerHour: number };
}

/** Where the person signed in from before, and how far it is from here, when GeoIP knows both. */
export interface Travel {
  km: number;
  hours: number;
}

export interface RiskFacts {
  /** the address is in an admin's "always ask" list */
  alwaysAsk: boolean;
  /** the address is in an admin's "never ask" list (and not in "always ask") */
  neverAsk: boolean;
  /** a sign-in from this browser proved a second factor before */
  browserVerified: boolean;
  /** when a sign-in that proved a second factor last came from this network; null: never */
  networkSeenAt: number | null;
  /** wrong passwords and codes of the account within the window, since it last proved a second factor */
  recentFailures: number;
  /** null without GeoIP or when the address is in no country the database knows */
  country: { code: string; seen: boolean } | null;
  /** from the last sign-in's place to this one's; null when either place is unknown */
  travel: Travel | null;
}

const day = 24 * 60 * 60 * 1000;
/** Below this a distance is the database's own imprecision, not travel. */
const nearbyKm = 100;

/**
 * The signals that fire, in a fixed order. An admin's "always ask" network always fires; a
 * "never ask" one silences every other signal; otherwise each enabled signal fires on its
 * facts. No signal: the password alone is enough for an adaptive client.
 */
export function firedSignals(facts: RiskFacts, settings: AdaptiveSettings, now: number): RiskSignal[] {
  if (facts.alwaysAsk) return ['listed_network'];
  if (facts.neverAsk) return [];
  const fired: RiskSignal[] = [];
  if (settings.newBrowser && !facts.browserVerified) fired.push('new_browser');
  const networkFresh = facts.networkSeenAt !== null && now - facts.networkSeenAt <= settings.newNetwork.days * day;
  if (settings.newNetwork.enabled && !networkFresh) fired.push('new_network');
  if (settings.recentFailures.enabled && facts.recentFailures >= settings.recentFailures.count) fired.push('recent_failures');
  if (settings.newCountry && facts.country !== null && !facts.country.seen) fired.push('new_country');
  if (settings.impossibleTravel.enabled && facts.travel && impossible(facts.travel, settings.impossibleTravel.kmPerHour)) {
    fired.push('impossible_travel');
  }
  return fired;
}

/** Faster than `kmPerHour` over a distance that is not noise; two sign-ins in the same minute count as a minute apart. */
function impossible(travel: Travel, kmPerHour: number): boolean {
  return travel.km >= nearbyKm && travel.km / Math.max(travel.hours, 1 / 60) > kmPerHour;
}

/** RFC 8176's value for a sign-in that a risk check let through on the password alone. */
export const AMR_RBA = 'rba';

/**
 * What a password sign-in of an adaptive client reaches when no signal fired: the same level
 * (1fa), its amr saying a risk check let it through. Above 1fa it is what it is.
 */
export const letThrough = (reached: Reached): Reached => (reached.acr === ACR_1FA ? { ...reached, amr: [...reached.amr, AMR_RBA] } : reached);

/**
 * Whether an adaptive client may take a session as it is: one above 1fa, or a 1fa one its risk
 * check let through (amr rba). A password-only session of another client was never checked:
 * the adaptive client asks it for the second factor, so SSO cannot skip the risk check.
 */
export function riskChecked(session: { acr?: unknown; amr?: string[] } | undefined): boolean {
  if (!session || session.acr !== ACR_1FA) return true;
  return (session.amr ?? []).includes(AMR_RBA);
}
