// Every default in one place: the DSL validator, the programmatic API and the CLI all read
// from here, so a default is never kept twice.
import { availableParallelism } from 'node:os';

export const defaults = {
  /** Receive-only time after the last scheduled send. */
  drainMs: 2000,
  /** Drain after Ctrl-C: shorter, the user asked to stop. */
  interruptDrainMs: 1000,
  rampUpMs: 0,
  connectRatePerS: 500,
  connectTimeoutMs: 10_000,
  /** Worker threads: one per core. */
  workers: (): number => availableParallelism(),
  /** How often each worker sends a snapshot to the main thread. */
  snapshotIntervalMs: 1000,
  /** A send that fires this much after its intended time counts as late. */
  lateThresholdUs: 5000,
  reportsDir: 'reports',
  /** Client id / device name template for every protocol: {run} {fleet} {id}. */
  clientId: 'fb-{run}-{fleet}-{id}',
  payloadBytes: 64,
} as const;
