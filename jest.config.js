/**
 * Unit tests (`*.spec.ts` beside the code) and integration tests (`test/**`), which run against
 * real PostgreSQL (primary + replica), Redis and the SQS emulator started by test/support.
 */
const libs = ['domain', 'contracts', 'config', 'persistence', 'locking', 'orders', 'http', 'observability', 'auth', 'devstack', 'messaging', 'reporting', 'bench', 'release'];

module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/libs', '<rootDir>/apps', '<rootDir>/test', '<rootDir>/bin'],
  testMatch: ['**/*.spec.ts'],
  transform: { '^.+\\.[tj]s$': ['@swc/jest'] },
  // ESM-only packages that Node 20 can require() natively but Jest cannot: compile them to CommonJS.
  transformIgnorePatterns: ['/node_modules/(?!(content-disposition|glob|minimatch|path-scurry|lru-cache|minipass|jackspeak|@isaacs)/)'],
  moduleNameMapper: Object.fromEntries(libs.map((lib) => [`^@orderflow/${lib}/(.*)$`, `<rootDir>/libs/${lib}/src/$1`])),
  testTimeout: 120000,
  // Two cores: the services under test need one.
  maxWorkers: 1,
};
