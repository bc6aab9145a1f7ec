// @ts-check
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

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
    // One module spawns processes (src/process/spawn.ts); everything else calls it.
    ignores: ['src/process/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'execa',
              message: 'Spawn processes only through src/process/spawn.ts (runProcess).',
            },
            { name: 'node:child_process', message: 'Spawn processes only in src/process (see runProcess).' },
          ],
        },
      ],
    },
  },
)
