// `fleetbench run --repeat N`: the scenario run N times, one after the other, and one folder
// written: the run with the median main latency, plus every run's figures with their median and
// spread in `result.repeat`, which `compare` uses so that noise alone does not fail a gate.
import { ErrorCodes, FleetbenchError } from './base/errors.ts';
import { summarizeRuns } from './result/repeat.ts';
import type { RunResult } from './result/types.ts';
import { checkOut, finish, type RunOptions, type RunOutcome, run } from './run.ts';

export const MAX_REPEAT = 100;

/**
 * A `run` that runs `times` times. Stops early when interrupted (or an abortOnFail threshold
 * stops a run) and summarizes the runs so far. `onRunDone` is told after each run.
 */
export function repeated(
  times: number,
  onRunDone?: (index: number, result: RunResult) => void,
): (options: RunOptions) => Promise<RunOutcome> {
  if (!Number.isInteger(times) || times < 1 || times > MAX_REPEAT)
    throw new FleetbenchError(
      ErrorCodes.OPTION_INVALID,
      `--repeat: expected a whole number from 1 to ${MAX_REPEAT}, got ${String(times)}`,
    );
  return async (options) => {
    checkOut(options);
    const { onResult: _once, ...each } = options;
    const outcomes: Awaited<ReturnType<typeof run>>[] = [];
    for (let i = 0; i < times; i++) {
      const outcome = await run({ ...each, write: false });
      outcomes.push(outcome);
      onRunDone?.(i, outcome.result);
      if (outcome.result.run.partial || options.signal?.aborted) break;
    }
    const { summary, base } = summarizeRuns(outcomes.map((o) => o.result));
    const chosen = outcomes[base] as RunOutcome;
    // A stopped last run decides how the whole ends (interrupted, or stopped by a threshold).
    const last = outcomes[outcomes.length - 1] as RunOutcome;
    const shown = last.result.run.partial ? last : chosen;
    const result: RunResult = { ...shown.result, repeat: { ...summary, base: shown.result.run.id } };
    return finish(
      {
        result,
        abortedByThreshold: last.abortedByThreshold,
        workerCrashed: outcomes.some((o) => o.workerCrashed),
      },
      options,
    );
  };
}
