// The assurance service: every level decision, with no HTTP in it (the pages, the plugin API,
// the account area and the console call it; test/assurance_rules.test.ts holds its tables).

export {
  type AdaptiveSettings,
  AMR_RBA,
  firedSignals,
  letThrough,
  type RiskFacts,
  type RiskSignal,
  riskChecked,
  riskSignals,
  type Travel,
} from './adaptive.ts';
export { type ChangeDecision, type ChangeFacts, decideChange, type Guarded, type SessionProof, sessionMeets } from './changes.ts';
export { type Credentials, passkeyStanding, phrFromForNew, phrFromOf } from './credentials.ts';
export { ACR_1FA, ACR_2FA, ACR_PHR, type Acr, acrRank, acrValues, satisfies } from './levels.ts';
export { type Proof, type Reached, reachedBy } from './proofs.ts';
export { type RememberFacts, rememberAllowed, rememberedAccepted } from './remembered.ts';
export { type AuthorizationAsk, askedLevel, mfaMaxAgeMs, requiredLevel } from './requirement.ts';
export { decideSignIn, passedWith, type SignInDecision, type SignInFacts } from './sign_in.ts';
