// A worker that crashed or was terminated: its shard is lost, but not the run. What it reported
// before stays counted; this adds a `worker.crashed` error to every group it ran and clears its
// `connected` gauge (its devices are gone).
import { RunErrorCodes } from '../base/errors.ts';
import type { GroupPlan } from '../dsl/plan.ts';
import { nowUs } from '../metrics/clock.ts';
import { emptyCounters, type GroupCounters } from '../metrics/counters.ts';
import type { Snapshot } from '../metrics/recorder.ts';
import type { WorkerCrash } from './pool.ts';
import { ownedIndices } from './slices.ts';

/** The last snapshot of a crashed worker, for the aggregator. */
export function crashSnapshot(
  groups: readonly GroupPlan[],
  crash: WorkerCrash,
  shard: { index: number; count: number },
  workers: number,
): Snapshot {
  const counters: Record<string, GroupCounters> = {};
  const errors: Snapshot['errors'] = [];
  const slice = crash.slice ?? { shard, worker: crash.worker, workers };
  for (const g of groups) {
    if (ownedIndices(g, slice.shard, slice.worker, slice.workers).length === 0) continue;
    counters[g.name] = { ...emptyCounters(), errors: 1 };
    errors.push({
      group: g.name,
      code: RunErrorCodes.WORKER_CRASHED,
      count: 1,
      message: `worker ${crash.worker} ${crash.message}; its devices' delivery accounting is lost`,
    });
  }
  if (errors.length === 0)
    errors.push({
      group: '*',
      code: RunErrorCodes.WORKER_CRASHED,
      count: 1,
      message: `worker ${crash.worker} ${crash.message}`,
    });
  return {
    worker: crash.worker,
    seq: Number.MAX_SAFE_INTEGER,
    atUs: nowUs(),
    phase: 'done',
    counters,
    histograms: {},
    errors,
    codes: {},
  };
}

/** The result's partial reason when workers crashed. */
export function crashReason(crashes: readonly WorkerCrash[]): string {
  const [first] = crashes;
  const more = crashes.length > 1 ? ` (and ${crashes.length - 1} more worker(s))` : '';
  return first ? `worker ${first.worker} ${first.message}${more}` : '';
}
