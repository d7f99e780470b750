import type { Delivery, SmsRefusal } from '../model/factor.ts';

/** What each refusal means, as the console shows it. */
export const smsRefusalLabels: Record<SmsRefusal, string> = {
  refused_country: 'country not allowed',
  refused_number_type: 'premium-rate, shared-cost or satellite number',
  destination_budget: "number's daily budget spent",
  prefix_budget: "number block's daily budget spent",
  daily_budget: 'daily SMS budget spent',
};

export interface SmsRefusalCounts {
  /** every reason, in the order above, with how many SMS it refused */
  byReason: { reason: SmsRefusal; label: string; count: number }[];
  /** the day's budget was spent: SMS stopped until midnight UTC */
  budgetSpent: boolean;
}

/** The refused SMS among these deliveries, counted by reason. */
export function countSmsRefusals(deliveries: Delivery[]): SmsRefusalCounts {
  const refused = deliveries.filter((d) => d.channel === 'sms' && d.result === 'refused');
  const byReason = (Object.keys(smsRefusalLabels) as SmsRefusal[]).map((reason) => ({
    reason,
    label: smsRefusalLabels[reason],
    count: refused.filter((d) => d.reason === reason).length,
  }));
  return { byReason, budgetSpent: byReason.some((r) => r.reason === 'daily_budget' && r.count > 0) };
}
