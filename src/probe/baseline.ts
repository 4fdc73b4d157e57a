// Regression mode (--baseline previous probe.json): a behaviour that was ✓ and is now anything
// else fails, and so does a load row whose throughput or latency moved beyond fleetbench
// compare's noise-aware gates (the same rules and defaults as `fleetbench compare`).

import { errorMessage } from '../base/errors.ts';
import { compareResults, DEFAULT_GATES, gateLimits } from '../compare/compare.ts';
import type { ProbeMatrix } from './matrix.ts';
import type { CellStatus } from './verdict.ts';

export interface BehaviourChange {
  row: string;
  behaviour: string;
  target: string;
  was: CellStatus;
  now: CellStatus | 'missing';
  seen: string;
  /** ✓ → anything else fails; other changes (✗ → ✓, n/a → ✓) are reported only. */
  regression: boolean;
}

export interface LoadChange {
  row: string;
  target: string;
  /** One line per regressed figure: 'p50 1.20ms → 3.40ms (+183%, limit 100%)'. */
  regressions: string[];
  warnings: string[];
}

export interface BaselineVerdict {
  file: string;
  changes: BehaviourChange[];
  loads: LoadChange[];
  /** Rows or targets in the baseline that this run did not have (not compared). */
  notCompared: string[];
  failed: boolean;
}

export interface BaselineOptions {
  /** --max-regression for the load rows (compare's syntax); default: compare's single-run gates. */
  maxRegression?: string;
}

export function compareToBaseline(
  file: string,
  baseline: ProbeMatrix,
  current: ProbeMatrix,
  options: BaselineOptions = {},
): BaselineVerdict {
  const changes: BehaviourChange[] = [];
  const notCompared: string[] = [];
  const behaviour = new Map(current.rows.map((r) => [r.id, r.behaviour]));
  const currentTargets = new Set(current.targets.map((t) => t.name));
  for (const [row, byTarget] of Object.entries(baseline.cells)) {
    for (const [target, was] of Object.entries(byTarget)) {
      if (!currentTargets.has(target) || !behaviour.has(row)) {
        notCompared.push(`${row} × ${target}`);
        continue;
      }
      const now = current.cells[row]?.[target];
      const nowStatus = now?.status ?? 'missing';
      if (nowStatus === was.status) continue;
      changes.push({
        row,
        behaviour: behaviour.get(row) ?? row,
        target,
        was: was.status,
        now: nowStatus,
        seen: now?.seen ?? 'not run (the run stopped early)',
        regression: was.status === 'pass',
      });
    }
  }
  const limits = gateLimits(options.maxRegression);
  const loads: LoadChange[] = [];
  for (const [row, byTarget] of Object.entries(baseline.loadResults ?? {})) {
    for (const [target, before] of Object.entries(byTarget)) {
      const after = current.loadResults[row]?.[target];
      if (!after) continue;
      try {
        const c = compareResults(before, after, limits, { latencyFloorUs: DEFAULT_GATES.single.floorUs });
        if (c.regressions.length === 0) continue;
        loads.push({
          row,
          target,
          regressions: c.regressions.map(
            (r) =>
              `${r.fleet}${r.pair ? ` ${r.pair}` : ''} ${r.metric}${r.source ? ` (${r.source})` : ''}: ${r.baseline ?? '-'} → ${r.candidate ?? '-'}${r.change === null ? '' : ` (${r.change > 0 ? '+' : ''}${r.change.toFixed(1)}%)`}${r.limit === null ? '' : `, limit ${r.limit}%`}`,
          ),
          warnings: c.warnings,
        });
      } catch (err) {
        loads.push({ row, target, regressions: [`could not compare: ${errorMessage(err)}`], warnings: [] });
      }
    }
  }
  const failed = changes.some((c) => c.regression) || loads.length > 0;
  return { file, changes, loads, notCompared, failed };
}
