import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.tools/**', '.data/**', 'coverage/**', 'bin/**', '*.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: no Node built-ins, no I/O libraries.
    files: ['src/workflows/**/*.ts', 'src/polling/**/*.ts'],
    rules: {
      // Type-only imports are erased at build time, so workflows may name activity and wire types.
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({ name, message: 'Workflow code must not import Node built-ins.' })),
          patterns: [
            {
              group: [
                'got',
                'pino',
                'pino-*',
                '@temporalio/worker',
                '@temporalio/client',
                '@temporalio/activity',
                'zod',
              ],
              message: 'Not allowed in deterministic workflow code.',
            },
            {
              group: ['**/modelarts/*', '**/activities/*', '**/simulator/*', '**/client/*', '**/config*', '**/logger*'],
              allowTypeImports: true,
              message: 'Workflows reach ModelArts only through activities.',
            },
          ],
        },
      ],
    },
  },
);
