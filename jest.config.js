/**
 * Unit tests (`*.spec.ts` beside the code), the medium tier (`test/medium`: services and
 * repositories against one PostgreSQL, Redis and SQS emulator per run, a database per suite) and
 * the integration tests (`test/**`: full stacks of real PostgreSQL primary + replica, Redis and
 * the SQS emulator started per suite by test/support, for faults and end-to-end scenarios).
 */
const libs = ['domain', 'contracts', 'config', 'persistence', 'locking', 'orders', 'http', 'observability', 'auth', 'devstack', 'messaging', 'reporting', 'secrets', 'release', 'client'];

/** Tools beside the product (tools/<name>/src), imported as @orderflow/<name>/... like the libs. */
const tools = ['bench', 'harness'];

const shared = {
  testEnvironment: 'node',
  testMatch: ['**/*.spec.ts'],
  transform: { '^.+\\.[tj]s$': ['@swc/jest'] },
  // ESM-only packages that Node 20 can require() natively but Jest cannot: compile them to CommonJS.
  transformIgnorePatterns: ['/node_modules/(?!(content-disposition|glob|minimatch|path-scurry|lru-cache|minipass|jackspeak|@isaacs)/)'],
  moduleNameMapper: {
    '^@orderflow/client$': '<rootDir>/libs/client/src/index.ts',
    ...Object.fromEntries(libs.map((lib) => [`^@orderflow/${lib}/(.*)$`, `<rootDir>/libs/${lib}/src/$1`])),
    ...Object.fromEntries(tools.map((tool) => [`^@orderflow/${tool}/(.*)$`, `<rootDir>/tools/${tool}/src/$1`])),
  },
};

module.exports = {
  projects: [
    {
      ...shared,
      displayName: 'unit+integration',
      roots: ['<rootDir>/libs', '<rootDir>/tools', '<rootDir>/apps', '<rootDir>/test', '<rootDir>/bin'],
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/medium/'],
    },
    {
      ...shared,
      displayName: 'medium',
      roots: ['<rootDir>/test/medium'],
      // Runs only when a medium suite is selected.
      globalSetup: '<rootDir>/test/medium/global-setup.ts',
      globalTeardown: '<rootDir>/test/medium/global-teardown.ts',
    },
  ],
  testTimeout: 120000,
  // Two cores: the services under test need one.
  maxWorkers: 1,
};
