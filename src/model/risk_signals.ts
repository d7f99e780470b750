/** Why an adaptive client's sign-in asks for the second factor; the audit log records these words. */
export const riskSignals = ['listed_network', 'new_browser', 'new_network', 'recent_failures', 'new_country', 'impossible_travel'] as const;
export type RiskSignal = (typeof riskSignals)[number];
