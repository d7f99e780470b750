import { type Phrase, phrase } from '../i18n/phrase.ts';
import { type RiskSignal, riskSignals } from '../model/risk_signals.ts';

/** Each risk signal in English words, for the console (the person's pages and alerts use signalPhrases). */
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

/** Each signal as a catalog phrase, for the person's own pages and alerts (in their language). */
const signalPhrases: Record<RiskSignal, Phrase> = {
  listed_network: phrase('risk.signal_listed_network'),
  new_browser: phrase('risk.signal_new_browser'),
  new_network: phrase('risk.signal_new_network'),
  recent_failures: phrase('risk.signal_recent_failures'),
  new_country: phrase('risk.signal_new_country'),
  impossible_travel: phrase('risk.signal_impossible_travel'),
};

/** The signals as one phrase, "a new browser; a new country: PT", each separator in the language's own punctuation. */
export function signalsPhrase(signals: RiskSignal[], country: string | null = null): Phrase {
  const each = signals.map((signal) => (signal === 'new_country' && country ? phrase('risk.signal_new_country_named', { country }) : signalPhrases[signal]));
  return each.reduceRight((rest, first) => phrase('risk.list', { first, rest }));
}

/** A risk decision for the person, as riskDecisionInWords says it to admins. */
export function riskDecisionPhrase(detail: string | null): Phrase {
  const signals = signalsOfDetail(detail);
  if (signals.length === 0) return phrase('risk.let_through');
  return phrase('risk.asked', { signals: signalsPhrase(signals) });
}
