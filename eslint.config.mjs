// Lint, including the dependency direction of the monorepo:
// apps → libs/*; store-* → eventsourcing; domain imports nothing of ours and does no I/O.
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

const IO_MODULES = [
  'fs',
  'net',
  'http',
  'https',
  'child_process',
  'worker_threads',
  'dgram',
  'dns',
  'tls',
  'os',
].flatMap((m) => [m, `node:${m}`, `${m}/*`, `node:${m}/*`]);
const restrict = (patterns, message) => ({
  'no-restricted-imports': ['error', { patterns: [{ group: patterns, message }] }],
});

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'coverage/**',
      'data/**',
      'bench/results.json',
      '**/*.js',
      '**/*.mjs',
    ],
  },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    files: ['libs/domain/**/*.ts'],
    rules: restrict(
      ['@nestjs/*', '@patent-ledger/*', 'better-sqlite3', 'pg', '@kurrent/*', ...IO_MODULES, '**/apps/**'],
      'libs/domain is pure: no NestJS, no I/O, no other lib of ours.',
    ),
  },
  {
    files: ['libs/eventsourcing/**/*.ts'],
    ignores: ['libs/eventsourcing/src/testing/**', '**/*.spec.ts'],
    rules: restrict(
      ['@nestjs/*', '@patent-ledger/*', 'better-sqlite3', 'pg', '@kurrent/*', '**/apps/**'],
      'libs/eventsourcing is the port: it knows no framework, adapter or domain.',
    ),
  },
  {
    files: ['libs/store-*/**/*.ts'],
    rules: restrict(
      ['@nestjs/*', '@patent-ledger/domain', '@patent-ledger/store-*', '**/apps/**'],
      'store adapters depend on libs/eventsourcing only.',
    ),
  },
  {
    files: ['libs/bulk/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: restrict(
      ['@nestjs/*', '@patent-ledger/store-*', '@patent-ledger/read-models', '**/apps/**'],
      'libs/bulk works through the EventStore port and the domain only.',
    ),
  },
  {
    files: ['libs/access/**/*.ts'],
    rules: restrict(
      [
        '@nestjs/*',
        '@patent-ledger/store-*',
        '@patent-ledger/read-models',
        '@patent-ledger/eventsourcing',
        ...IO_MODULES,
        '**/apps/**',
      ],
      'libs/access is the policy: pure, it knows the domain only.',
    ),
  },
  {
    files: ['libs/identity/**/*.ts'],
    rules: restrict(
      ['@nestjs/*', '@patent-ledger/store-*', '@patent-ledger/read-models', '**/apps/**'],
      'libs/identity knows no framework, adapter or read model.',
    ),
  },
  {
    files: ['libs/transparency/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: restrict(
      [
        '@nestjs/*',
        '@patent-ledger/domain',
        '@patent-ledger/store-*',
        '@patent-ledger/read-models',
        '**/apps/**',
      ],
      'libs/transparency builds on libs/eventsourcing only: no framework, no store adapter, no domain.',
    ),
  },
  {
    files: ['libs/publishers/**/*.ts'],
    rules: restrict(
      [
        '@nestjs/*',
        '@patent-ledger/store-*',
        '@patent-ledger/read-models',
        '@patent-ledger/access',
        '**/apps/**',
      ],
      'libs/publishers relays the log through the EventStore port: no framework, store adapter, read model or policy.',
    ),
  },
  {
    files: ['libs/read-models/**/*.ts'],
    rules: restrict(['@nestjs/*', '**/apps/**'], 'read models know no framework and no app.'),
  },
);
