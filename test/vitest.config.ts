// Test configuration. Integration tests talk to real brokers and start worker threads, so test
// files run one at a time: on a 2-core machine parallel files would distort each other's timing.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: ['test/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 30_000,
    reporters: ['default'],
  },
});
