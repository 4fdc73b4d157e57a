// Process exit codes, stable for CI scripts.
export const ExitCode = {
  ok: 0,
  /** Thresholds or a regression check failed. */
  failed: 1,
  /** A user mistake: bad scenario, bad option, unreachable or refusing target. */
  usage: 2,
  /** A fleetbench bug: an unexpected exception (printed with its stack). */
  internal: 3,
  /** `capacity`: the generator, not the system under test, was the limit (docs/capacity.md). */
  generatorBound: 4,
  /** Stopped by Ctrl-C / SIGTERM; a partial result was written. */
  interrupted: 130,
} as const;
