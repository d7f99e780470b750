import { type RiskSignal, riskSignals } from '../model/risk_signals.ts';

/** Each risk signal in words, for the activity pages, the console and the owner's alert. */
export const signalWords: Record<RiskSignal, string> = {
  listed_network: 'a network that always asks',
  new_browser: 'a new browser',
  new_network: 'a new network',
  recent_failures: 'recent failed attempts',
  new_country: 'a new country',
  impossible_travel: 'too far from the last sign-in in too little time',
};

/** The signals of a `risk` audit event's detail (`asked new_browser new_network`); none for `let_through`. */
export function signalsOfDetail(detail: string | null): RiskSignal[] {
  const words = detail?.startsWith('asked ') ? detail.slice('asked '.length).split(' ') : [];
  return riskSignals.filter((signal) => words.includes(signal));
}

/** A risk decision in words: "Second factor asked: a new browser, a new network", or "Let through on the password". */
export function riskDecisionInWords(detail: string | null): string {
  const signals = signalsOfDetail(detail);
  if (signals.length === 0) return 'Let through on the password (usual browser and network)';
  return `Second factor asked: ${signals.map((signal) => signalWords[signal]).join(', ')}`;
}
