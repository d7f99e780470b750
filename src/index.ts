/**
 * Stepup as a library: the second factor for any node-oidc-provider host. See docs/plugin.md.
 * Everything a host needs is exported here; the rest of the package is not an API.
 */

export { ACR_1FA, ACR_2FA, ACR_PHR } from './assurance/index.ts';
export type { MfaPolicy } from './model/client.ts';
export type { FactorUndoLinks } from './notifications/alerts.ts';
export { createOutboxSender } from './notifications/senders/outbox_sender.ts';
export type { OutgoingMessage, Sender } from './notifications/senders/sender.ts';
export { createSmtpSender } from './notifications/senders/smtp_sender.ts';
export { createTwilioSender } from './notifications/senders/twilio_sender.ts';
export { type StepupClientMetadata, stepupClient } from './oidc/client_metadata.ts';
export { MFA_MAX_AGE } from './oidc/interaction_policy.ts';
export type { People, Person } from './person.ts';
export type { Settings, SettingsInput } from './plugin/settings.ts';
export { SettingsError } from './plugin/settings.ts';
export type { HostRequest, SignInStep, Stepup, StepupOptions, StoreOption } from './plugin/stepup.ts';
export { createStepup } from './plugin/stepup.ts';
