// setupFiles of the "mongodb" jest project: the suites it runs boot Stepup on MongoDB.
process.env.STEPUP_TEST_STORE = 'mongodb';
