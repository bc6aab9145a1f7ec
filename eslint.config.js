// @ts-check
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

/**
 * Node's modules that cost every command 2-4 ms to load at start (a warm `run`'s budget is about
 * 35 ms over Node's own start; bench/): loaded when first used instead.
 */
const STARTUP_COSTLY = [
  {
    name: 'node:fs/promises',
    message: "Use `import { promises as fs } from 'node:fs'`: that loads on first use, this at start.",
    allowTypeImports: true,
  },
  {
    name: 'node:os',
    message: 'Use lazyOs() from src/builtins.ts: node:os loads on first use there.',
    allowTypeImports: true,
  },
  {
    name: 'node:readline/promises',
    message: 'Use lazyReadline() from src/builtins.ts: it loads on first use there.',
    allowTypeImports: true,
  },
]

export default tseslint.config(
  { ignores: ['dist/**', 'dist-tools/**', 'node_modules/**', 'oclif.manifest.json', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        performance: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Tests and tools may spawn what they drive (docker, the built CLI, man).
      'no-restricted-imports': 'off',
    },
  },
  {
    // The CLI's CommonJS entry (bin/run.cjs loads the hot path with V8's code cache).
    files: ['**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', module: 'writable', __dirname: 'readonly', __filename: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['src/**/*.ts'],
    // A function a reader can hold at once: the house review's limit.
    rules: { 'max-lines-per-function': ['error', { max: 99 }] },
  },
  {
    files: ['src/**/*.ts'],
    // One module spawns processes (src/process/spawn.ts); everything else calls it.
    ignores: ['src/process/**'],
    rules: {
      // The typescript-eslint rule, which lets a type be imported from these.
      'no-restricted-imports': 'off',
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'execa',
              message: 'Spawn processes only through src/process/spawn.ts (runProcess).',
            },
            { name: 'node:child_process', message: 'Spawn processes only in src/process (see runProcess).' },
            ...STARTUP_COSTLY,
          ],
        },
      ],
    },
  },
)
