// Temporary config until the repo has a root jest.config.js:
//   npx jest --config test/devstack/jest.devstack.config.js
module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  testMatch: ['<rootDir>/**/*.spec.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  moduleNameMapper: { '^@orderflow/(.*?)/(.*)$': '<rootDir>/../../libs/$1/src/$2' },
  testTimeout: 120_000,
};
