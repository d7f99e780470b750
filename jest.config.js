import { mongoTestServerUnavailable } from './test/support/mongodb_server.ts';

const common = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '\\.ts$': '<rootDir>/test/support/strip_types.cjs' },
};

/**
 * End-to-end suites that run a second time with Stepup on MongoDB. (cli_parity is not one: it
 * compares the CLI's commands with the admin API's operations, which no store changes.)
 */
const onBothStores = [
  'totp_sign_in', 'recovery_codes', 'step_up', 'sessions', 'clients_and_tokens', 'email_and_sms_codes',
  'lockout_and_limits', 'alerts', 'hostile_input', 'cli', 'admin_api', 'account_area', 'password_reset',
  'enrolment_binding', 'client_authentication', 'email_verified', 'profile_and_roles',
  'introspection', 'backchannel_logout', 'resource_servers', 'storage_operations', 'lockout_per_proof', 'factor_undo', 'console_fresh_proof', 'sms_toll_fraud', 'rar_approval', 'adaptive_step_up', 'branding',
  'remembered_browsers', 'languages',
];

/**
 * Suites of pure rules as tables: no server, no store, milliseconds each. They run once, in the
 * unit project, which `npm test` runs first so its time shows apart.
 */
const unit = [
  'adaptive_rules', 'admin_input', 'assurance_rules', 'branding_rules', 'language_negotiation', 'locale_catalogs', 'at_rest_encryption', 'audit_summaries', 'charts', 'config', 'cookie_signer', 'dates', 'geoip', 'introspection_rules',
  'lockout_arithmetic', 'random_ids', 'rate_limit_keys', 'resource_server_rules', 'settings_validation', 'sms_destination_policy', 'stepup_client', 'totp_replay_window',
];

// without a MongoDB test server the mongodb project is left out, saying why; the suites of the
// sqlite project that also use MongoDB skip those tests, saying why (skippedWithoutMongo)
/** Suites about MongoDB alone (several processes on one database, its outages): mongodb project only. */
const mongoOnly = ['several_processes', 'mongodb_faults'];

const mongoSkipped = mongoTestServerUnavailable();
if (mongoSkipped) {
  process.env.STEPUP_TEST_MONGODB_SKIPPED = mongoSkipped;
  console.warn(`SKIPPED the mongodb project (${onBothStores.length} suites on MongoDB): ${mongoSkipped}`);
}

/**
 * The MongoDB test server, started once for the store projects: jest runs a project's global
 * setup only when a test of that project runs, and the same module once however many name it,
 * so the unit project alone starts nothing.
 */
const storeHooks = {
  globalSetup: '<rootDir>/test/support/global_setup.ts',
  globalTeardown: '<rootDir>/test/support/global_teardown.ts',
};

export default {
  // two suites run at once on two cores, and the heaviest tests (100 parallel password guesses
  // on MongoDB) take over 30 s on a busy machine
  testTimeout: 60000,
  projects: [
    { ...common, displayName: 'unit', testMatch: unit.map((name) => `<rootDir>/test/${name}.test.ts`) },
    {
      ...common,
      ...storeHooks,
      displayName: 'sqlite',
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      testPathIgnorePatterns: [...unit, ...mongoOnly].map((name) => `/test/${name}\\.test\\.ts$`),
    },
    ...(mongoSkipped ? [] : [{
      ...common,
      ...storeHooks,
      displayName: 'mongodb',
      testMatch: [...onBothStores, ...mongoOnly].map((name) => `<rootDir>/test/${name}.test.ts`),
      setupFiles: ['<rootDir>/test/support/use_mongodb.ts'],
    }]),
  ],
};
