// ESLint 9 flat configuration, run by `npm test` (scripts/test.mjs) after the type check and
// before the suites: `npx eslint .`. Few rules, all at error: typescript-eslint's recommended set,
// React's rules of hooks, the accessibility rules of jsx-a11y, Next.js's own rules, and
// layers/boundaries (scripts/lint/layers.mjs): which folder may import which (README, Layout).
import nextPlugin from '@next/eslint-plugin-next';
import jsxA11y from 'eslint-plugin-jsx-a11y';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';
import layers from './scripts/lint/layers.mjs';

export default tseslint.config(
  { ignores: ['.next/**', 'dist/**', 'node_modules/**', 'data/**', 'test-results/**', 'playwright-report/**', 'drizzle/**', 'next-env.d.ts'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      // `_name` marks a parameter kept for its position (callbacks, interfaces).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // Tests read JSON answers and poke at internals; an `any` there is a cast, not a hole in a contract.
    files: ['tests/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['app/**/*.tsx', 'components/**/*.tsx', 'lib/client/**/*.tsx'],
    plugins: { 'react-hooks': reactHooks, '@next/next': nextPlugin },
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'error',
      ...nextPlugin.configs.recommended.rules,
      ...nextPlugin.configs['core-web-vitals'].rules,
    },
  },
  { files: ['app/**/*.tsx', 'components/**/*.tsx'], ...jsxA11y.flatConfigs.recommended },
  {
    // Server code logs through lib/log.ts (structured, levelled, redacted); the engine core through
    // its injected port (registrar/util/log.ts). Client components log nothing to the browser console.
    files: ['app/**', 'components/**', 'lib/**', 'registrar/**', 'server.ts'],
    rules: { 'no-console': 'error' },
  },
  {
    files: ['**/*.ts', '**/*.tsx'],
    plugins: { layers },
    rules: { 'layers/boundaries': 'error' },
  },
);
