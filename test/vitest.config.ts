// Test configuration: two projects, run one after the other by `npm test`.
//
// unit         test/unit: pure functions and in-process objects, no sockets and no worker threads
//              (layers.test.ts runs dependency-cruiser, a static check of the import graph).
//              Files run in parallel (2 at a time, one per core).
// integration  test/integration and test/conformance: real brokers (the machine's Mosquitto and
//              RabbitMQ, private Mosquitto processes, libcoap, embedded servers), worker threads
//              and the real CLI. Two files at a time: they share the brokers but not their names
//              (every topic, queue, client id and scenario file carries a per-run or per-process
//              tag), take their ports from the kernel (port 0 or freePort), and wait on conditions
//              with generous deadlines instead of on wall-clock limits, so a neighbour's CPU use
//              slows them down without failing them. Timing assertions that are the point of a
//              test take their margin from measured values (see test/helpers/wait.ts).
//
// `npx vitest run --config test/vitest.config.ts --project unit` is the fast loop (npm run test:unit).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    reporters: ['default'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          maxWorkers: 2,
          testTimeout: 30_000,
          hookTimeout: 30_000,
          // Unit files first: a broken unit fails the run before the slow part starts.
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/conformance/**/*.test.ts'],
          maxWorkers: 2,
          // Files share their worker's module graph (each still gets fresh test state): importing
          // the source once per worker instead of once per file saves about half a minute.
          isolate: false,
          // Tests a file marks concurrent (runs that mostly wait on their drain or a grace period)
          // run at most 3 at a time, so a file's burst of worker start-ups stays well below a third
          // file's load on the 2 cores (3 files at a time failed timing tests; see BENCHMARKS.md).
          maxConcurrency: 3,
          // Backstops only: each wait inside a test has its own deadline and says what it waited for.
          testTimeout: 120_000,
          hookTimeout: 60_000,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
