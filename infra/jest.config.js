/** Template assertions, cdk-nag and a CLI synth: no AWS account, no network. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.spec.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  testTimeout: 120000,
  maxWorkers: 1,
};
