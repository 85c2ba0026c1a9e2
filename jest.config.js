/** @type {import('jest').Config} */
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
    },
    module: { type: 'commonjs' },
  },
];
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/apps', '<rootDir>/libs', '<rootDir>/test'],
  testMatch: ['**/*.spec.ts', '**/*.test.ts'],
  transform: { '^.+\\.(t|j)s$': swc },
  transformIgnorePatterns: [
    '/node_modules/(?!(@nestjs|@opentelemetry/otlp-exporter-base|jose|oidc-provider|quick-lru|@koa|koa|nanoid|eta|oidc-token-hash|jsesc|@sindresorhus)/)',
  ],
  moduleNameMapper: {
    '^@patent-ledger/eventsourcing/testing$': '<rootDir>/libs/eventsourcing/src/testing/index.ts',
    '^@patent-ledger/domain/testing$': '<rootDir>/libs/domain/src/testing/fixtures.ts',
    '^@patent-ledger/(.*)$': '<rootDir>/libs/$1/src/index.ts',
  },
  testTimeout: 30000,
  // Says which suites skip and why (their own console output is not shown in a many-file run).
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
};
