import type { Clock } from '../clock.ts';
import { utcDay } from '../dates.ts';
import type { SmsRefusal } from '../model/factor.ts';
import { keyedHash } from '../security/keyed_hash.ts';
import type { CounterStore } from '../store/ports.ts';
import { canonicalNumber, numberPrefix, smsDestinationRefusal } from './sms_destination_policy.ts';

/** The SMS toll-fraud limits (config `sms`). */
export interface SmsSettings {
  /** ISO 3166 alpha-2 codes; empty: every country */
  allowedCountries: string[];
  /** SMS a day to one number, whichever accounts ask */
  destinationDailyLimit: number;
  /** SMS a day to one block of 10,000 numbers (see numberPrefix) */
  prefixDailyLimit: number;
  /** SMS a day in all */
  dailyBudget: number;
}

const dayMs = 86_400_000;

/**
 * Decides before each SMS whether it may go: the number by the destination policy, then one
 * SMS taken from the number's, its prefix's and the day's budget, each an atomic counter in
 * the store that ends with the UTC day, so every process counts together. The narrower budgets
 * come first: a number over its own budget spends nothing of the day's. Codes to numbers being
 * enrolled (unproven) count apart from codes to proven numbers: whoever types a stranger's
 * number at enrolment cannot spend the budgets of its owner's sign-ins. `onDailyBudgetReached`
 * is called once a day, by the one request that first finds the budget spent.
 */
export function createSmsBudgets(deps: {
  counters: CounterStore;
  clock: Clock;
  hashKey: Buffer;
  settings: SmsSettings;
  onDailyBudgetReached: (day: string) => Promise<void>;
}) {
  const { settings } = deps;
  // numbers are personal data: the counters hold them only as keyed hashes
  const hashed = (value: string) => keyedHash(deps.hashKey, `sms-budget:${value}`);

  return async function smsRefusal(typed: string, proven: boolean): Promise<SmsRefusal | null> {
    const refused = smsDestinationRefusal(typed, settings.allowedCountries);
    if (refused) return refused;
    // numbers stored before they were kept canonical still count as the number they are
    const number = canonicalNumber(typed);
    const now = deps.clock.now();
    const day = utcDay(now);
    const untilMidnight = dayMs - (now % dayMs);
    const budgets: [string, number, SmsRefusal][] = [
      [`sms-budget:destination:${proven ? 'proven' : 'unproven'}:${day}:${hashed(number)}`, settings.destinationDailyLimit, 'destination_budget'],
      [`sms-budget:prefix:${proven ? 'proven' : 'unproven'}:${day}:${hashed(numberPrefix(number))}`, settings.prefixDailyLimit, 'prefix_budget'],
      [`sms-budget:day:${day}`, settings.dailyBudget, 'daily_budget'],
    ];
    for (const [key, limit, refusal] of budgets) {
      const { count } = await deps.counters.hit(key, untilMidnight);
      if (count <= limit) continue;
      if (refusal === 'daily_budget' && count === limit + 1) await deps.onDailyBudgetReached(day);
      return refusal;
    }
    return null;
  };
}

export type SmsBudgets = ReturnType<typeof createSmsBudgets>;
