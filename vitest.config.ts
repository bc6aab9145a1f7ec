import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 600_000,
    reporters: ['default', './test/summary-reporter.ts'],
    projects: [
      {
        // Unit and built-CLI tests: no shared engine, each file keeps to its own temp dirs and
        // servers, so files run side by side.
        extends: true,
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts', 'test/cli/**/*.test.ts'],
          fileParallelism: true,
        },
      },
      {
        // e2e tests share one engine and build images: one file at a time keeps a 2-core machine
        // sane, and only after the unit files are done (a later group).
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
})
