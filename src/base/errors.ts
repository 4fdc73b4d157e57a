// Typed errors with stable codes. A FleetbenchError is a user-facing failure: the CLI prints its
// message (never a stack) and exits with its exit code. Failures during a run are counted as
// `errors.<code>` in the result instead of being thrown.

export const ErrorCodes = {
  SCENARIO_NOT_FOUND: 'FB_SCENARIO_NOT_FOUND',
  SCENARIO_LOAD: 'FB_SCENARIO_LOAD',
  SCENARIO_INVALID: 'FB_SCENARIO_INVALID',
  TARGET_INVALID: 'FB_TARGET_INVALID',
  CONNECT_REFUSED: 'FB_CONNECT_REFUSED',
  CONNECT_TIMEOUT: 'FB_CONNECT_TIMEOUT',
  CONNECT_REJECTED: 'FB_CONNECT_REJECTED',
  OPTION_INVALID: 'FB_OPTION_INVALID',
  RESULT_INVALID: 'FB_RESULT_INVALID',
  /** A sharded run could not reach its clock reference (--clock-ref) or serve it (--clock-port). */
  CLOCK_SYNC: 'FB_CLOCK_SYNC',
  /** `fleetbench merge` was given results that are not the shards of one run. */
  MERGE_INVALID: 'FB_MERGE_INVALID',
} as const;

/**
 * Codes of errors the run itself counts in `result.errors` (beside the drivers' and errnos):
 * a payload function that threw or returned what JSON cannot encode (the send is dropped), and a
 * worker thread that crashed or was terminated after a stop (its shard is lost, the run is partial).
 */
export const RunErrorCodes = {
  PAYLOAD_ERROR: 'payload.error',
  WORKER_CRASHED: 'worker.crashed',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

export class FleetbenchError extends Error {
  readonly code: ErrorCode;
  /** Protocol reason code (MQTT CONNACK/PUBACK reason, errno name, ...) when there is one. */
  readonly reasonCode: string | number | undefined;

  constructor(code: ErrorCode, message: string, options: { reasonCode?: string | number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FleetbenchError';
    this.code = code;
    this.reasonCode = options.reasonCode;
  }
}

/** One or more problems found while validating a scenario; each line names file, field path and expectation. */
export class ScenarioError extends FleetbenchError {
  readonly problems: readonly string[];

  constructor(file: string, problems: readonly string[]) {
    const list = problems.map((p) => `  - ${p}`).join('\n');
    super(ErrorCodes.SCENARIO_INVALID, `${file}: invalid scenario\n${list}`);
    this.name = 'ScenarioError';
    this.problems = problems;
  }
}

export function isFleetbenchError(err: unknown): err is FleetbenchError {
  return err instanceof FleetbenchError;
}

/** A short, stable name for any error, used as the `errors.<code>` counter key during a run. */
export function errorKey(err: unknown): string {
  if (err instanceof FleetbenchError) return err.reasonCode === undefined ? err.code : `${err.code}:${err.reasonCode}`;
  const e = err as { code?: unknown } | null;
  if (e && (typeof e.code === 'string' || typeof e.code === 'number')) return String(e.code);
  return 'UNKNOWN';
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
