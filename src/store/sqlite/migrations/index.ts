import { tables } from './001_tables.ts';
import { recordsAccountId } from './002_records_account_id.ts';
import { accountsEmailVerified } from './003_accounts_email_verified.ts';
import { accountsProfileAndRoles } from './004_accounts_profile_and_roles.ts';
import { factorsPasskeys } from './005_factors_passkeys.ts';
import { issuedCodesWithoutForeignKey } from './006_issued_codes_without_foreign_key.ts';
import { factorsWithoutForeignKeys } from './007_factors_without_foreign_keys.ts';
import { lockoutStatesFromCounters } from './008_lockout_states_from_counters.ts';
import { unconfirmedFactorsRemoved } from './009_unconfirmed_factors_removed.ts';
import type { SqliteStep } from './step.ts';

/**
 * In order, version n at index n - 1. A new file runs them all. A change of layout is a new step
 * at the end; steps after 9 need not check first.
 */
export const sqliteSteps: SqliteStep[] = [
  tables,
  recordsAccountId,
  accountsEmailVerified,
  accountsProfileAndRoles,
  factorsPasskeys,
  issuedCodesWithoutForeignKey,
  factorsWithoutForeignKeys,
  lockoutStatesFromCounters,
  unconfirmedFactorsRemoved,
];
