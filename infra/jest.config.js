/** Template assertions, cdk-nag and a CLI synth: no AWS account, no network. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.spec.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  testTimeout: 120000,
  // Two files: the template checks, and the CLI synth in a child process.
  maxWorkers: 2,
};
