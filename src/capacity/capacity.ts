// `fleetbench capacity`: the search (search.ts) driven over real steps (step.ts), each step's
// run folder written under the capacity folder, and the outcome as capacity.json and
// capacity.html (docs/capacity.md).
import { join } from 'node:path';
import { ErrorCodes, FleetbenchError } from '../base/errors.ts';
import { loadScenario } from '../dsl/load.ts';
import { type LoadScale, offeredLoad, scaleGroups } from '../dsl/scale.ts';
import { makeDirs } from '../report/out-dir.ts';
import { runFolderName } from '../report/out-folder.ts';
import { writeAtomic, writeRunFolder } from '../report/write.ts';
import type { RunResult } from '../result/types.ts';
import type { Progress } from '../runner/progress.ts';
import type { ScenarioRunOptions } from '../runner/run.ts';
import { renderCapacity } from './html.ts';
import { CAPACITY_SCHEMA, type CapacityReport, summarize } from './report.ts';
import { CapacitySearch, type SearchOptions, type StepVerdict } from './search.ts';
import type { Slo } from './slo.ts';
import { runStep, type StepRecord } from './step.ts';

export interface CapacityOptions extends Omit<ScenarioRunOptions, 'scale' | 'onProgress' | 'duration'> {
  vary: 'devices' | 'rate';
  slo: Slo;
  /** Step length (send phase, warm-up included), ms. */
  stepMs: number;
  /** Warm-up of each step when the scenario declares none, ms. */
  warmupMs: number;
  /** Search bounds; start and max default from the scenario's own load. */
  search: Partial<SearchOptions> & Pick<SearchOptions, 'resolution' | 'maxSteps' | 'minGain' | 'minAchieved'>;
  /** The whole search stops starting steps after this long, ms. */
  maxTimeMs: number;
  /** Where the capacity folder goes. */
  outDir: string;
  onStepStart?: (step: { index: number; load: number; devices: number; offeredPerS: number }) => void;
  onStepDone?: (record: StepRecord, verdict: StepVerdict) => void;
  onProgress?: (p: Progress) => void;
}

export interface CapacityOutcome {
  report: CapacityReport;
  /** The capacity folder (capacity.json, capacity.html, steps/). */
  folder: string;
}

/** Default highest load: this many times the start. */
const MAX_FACTOR = 1024;

export async function runCapacity(o: CapacityOptions): Promise<CapacityOutcome> {
  const loaded = await loadScenario(o.scenario, { env: o.env ?? {} });
  const base = offeredLoad(loaded.plan.groups);
  if (base.devices === 0 || base.perS <= 0)
    throw new FleetbenchError(
      ErrorCodes.OPTION_INVALID,
      `${o.scenario}: capacity needs a fleet that sends on a schedule (no fleet or command of this scenario has a send rate)`,
    );
  const unit = o.vary === 'devices' ? base.devices : base.perS;
  const start = o.search.start ?? unit;
  const search = new CapacitySearch({
    ...o.search,
    start,
    max: o.search.max ?? start * MAX_FACTOR,
    integer: o.vary === 'devices',
  });
  const startedAt = new Date();
  const folder = join(o.outDir, `capacity-${runFolderName(loaded.plan.name, startedAt.toISOString())}`);
  makeDirs(folder);
  const records: StepRecord[] = [];
  const verdicts: StepVerdict[] = [];
  const deadline = Date.now() + o.maxTimeMs;
  const save = (record: StepRecord, result: RunResult, verdict: StepVerdict): void => {
    const name = join('steps', `step-${String(record.index).padStart(2, '0')}`);
    writeRunFolder(result, join(folder, name), { exact: true });
    record.folder = name;
    records.push(record);
    verdicts.push(verdict);
    o.onStepDone?.(record, verdict);
  };
  for (let load = search.next(); load !== undefined; load = search.next()) {
    if (o.signal?.aborted) {
      search.stop('time');
      break;
    }
    const scale: LoadScale = { vary: o.vary, factor: load / unit, warmupMs: o.warmupMs };
    const groups = loaded.plan.groups.map((g) => ({ ...g }));
    scaleGroups(groups, scale);
    const exact = offeredLoad(groups);
    // Scaled intervals are not exact in binary: 300 msg/s would print as 299.99999999999994.
    const offered = { devices: exact.devices, perS: Number(exact.perS.toPrecision(9)) };
    const index = records.length + 1;
    o.onStepStart?.({ index, load, devices: offered.devices, offeredPerS: offered.perS });
    const { scale: _s, onProgress: _p, duration: _d, ...rest } = o as CapacityOptions & ScenarioRunOptions;
    void [_s, _p, _d];
    const step = (at: number) =>
      runStep({
        scale,
        offered,
        load,
        index: at,
        base: { ...rest, duration: o.stepMs },
        slo: o.slo,
        ...(o.onProgress ? { onProgress: o.onProgress } : {}),
      });
    let { record, result } = await step(index);
    // A step that failed while the generator's own delay made up much of its tail is run once
    // more: the failure may be this machine's, not the target's. A second one is generator-bound.
    if (!record.sloPassed && record.disturbed && record.generatorBound === undefined && !o.signal?.aborted) {
      save(record, result, 'disturbed');
      ({ record, result } = await step(index + 1));
      if (!record.sloPassed && record.disturbed && record.generatorBound === undefined)
        record.generatorBound = `this machine stalled the step twice: ${record.disturbed}`;
    }
    const verdict = search.record(record);
    save(record, result, verdict);
    if (result.run.partial && o.signal?.aborted) search.stop('time');
    else if (Date.now() >= deadline) search.stop('time');
  }
  const report: CapacityReport = summarize({
    schema: CAPACITY_SCHEMA,
    scenario: { name: loaded.plan.name, file: loaded.plan.file },
    vary: o.vary,
    slo: o.slo.text,
    startedAt: startedAt.toISOString(),
    endedAt: new Date().toISOString(),
    stepMs: o.stepMs,
    warmupMs: loaded.plan.warmup?.durationMs ?? o.warmupMs,
    search: {
      start,
      max: o.search.max ?? start * MAX_FACTOR,
      resolution: o.search.resolution,
      maxSteps: o.search.maxSteps,
    },
    records,
    verdicts,
    reason: search.reason ?? 'resolved',
    sustainable: search.sustainable,
    firstBad: search.firstBad,
  });
  writeAtomic(join(folder, 'capacity.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeAtomic(join(folder, 'capacity.html'), renderCapacity(report));
  return { report, folder };
}
