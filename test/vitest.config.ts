import { defineConfig } from 'vitest/config';

/**
 * One suite, two engines: embedded PGlite by default, the PostgreSQL at
 * TEST_DATABASE_URL when it is set (each test gets a fresh database there).
 */
export default defineConfig({
  // graphql ships both .mjs and .js; Pothos and yoga must see the same copy
  // as our code, or `instanceof` checks fail ("from another module or realm").
  resolve: { alias: { graphql: 'graphql/index.js' } },
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Two cores: more workers only make each test slower and noisier.
    maxWorkers: 2,
    pool: 'forks',
  },
});
