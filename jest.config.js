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
  'introspection', 'backchannel_logout', 'resource_servers', 'storage_operations', 'lockout_per_proof', 'factor_undo', 'console_fresh_proof', 'sms_toll_fraud',
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

export default {
  globalSetup: '<rootDir>/test/support/global_setup.ts',
  globalTeardown: '<rootDir>/test/support/global_teardown.ts',
  // two suites run at once on two cores, and the heaviest tests (100 parallel password guesses
  // on MongoDB) take over 30 s on a busy machine
  testTimeout: 60000,
  projects: [
    { ...common, displayName: 'sqlite', testMatch: ['<rootDir>/test/**/*.test.ts'], testPathIgnorePatterns: mongoOnly.map((name) => `/test/${name}\\.test\\.ts$`) },
    ...(mongoSkipped ? [] : [{
      ...common,
      displayName: 'mongodb',
      testMatch: [...onBothStores, ...mongoOnly].map((name) => `<rootDir>/test/${name}.test.ts`),
      setupFiles: ['<rootDir>/test/support/use_mongodb.ts'],
    }]),
  ],
};
