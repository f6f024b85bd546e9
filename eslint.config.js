// Lint rules for pith (see docs/notes.md "Formatter and linter"). Type-aware rules use tsconfig.json.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

// Node's globals for the few plain-JS files (TypeScript files get them from @types/node).
const nodeGlobals = { process: 'readonly', console: 'readonly', URL: 'readonly', require: 'readonly' };

export default defineConfig(
  { ignores: ['dist/', 'node_modules/', 'examples/'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // A promise nobody awaits loses its error (and, in a test, its assertion). node:test's test()/describe()
      // are awaited by the runner.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite'] },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      // `import('./x.js').T` in a type position stays allowed: it is erased like `import type`.
      '@typescript-eslint/consistent-type-imports': ['error', { disallowTypeAnnotations: false }],
    },
  },
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
      // pith matches control bytes on purpose (escaping them in error lines, checking tar header fields are ASCII).
      'no-control-regex': 'off',
    },
  },
  {
    // Tests walk untyped JSON documents (SBOMs, JSON Schemas); `any` there keeps the assertions short.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      // Their regexes match column-aligned output (md5sums, diff lines); literal spaces read like that output.
      'no-regex-spaces': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: nodeGlobals },
  },
  {
    // A CommonJS program the corpus test runs inside an image.
    files: ['test/corpus/**/*.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
