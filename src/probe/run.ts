// Running the catalogue: every probe of a target's protocol against that target, each variant a
// run of its own scenario (one worker, the target given as the scenario's default target), a few
// at a time; then the load rows, one at a time so that they do not disturb each other's figures.

import { ErrorCodes, FleetbenchError } from '../base/errors.ts';
import { checkTargetUrl, maskUrl } from '../base/url.ts';
import { version } from '../base/version.ts';
import { allDrivers, driverFor } from '../protocols/registry.ts';
import type { RunResult } from '../result/types.ts';
import { runScenario } from '../runner/run.ts';
import type { ProbeVariant } from './define.ts';
import type { ProbeFile } from './files.ts';
import {
  type LoadFigures,
  type MatrixCell,
  type MatrixRow,
  type MatrixTarget,
  PROBE_SCHEMA,
  type ProbeMatrix,
} from './matrix.ts';
import { judge, type RunOutcome } from './verdict.ts';

export interface ProbeTargetSpec extends MatrixTarget {
  /** undefined: the protocol's embedded server, started for each probe run. */
  target: string | undefined;
}

/**
 * `name=url`, `url` (named host:port) or `embedded:<protocol>` (named after it). The protocol is
 * the driver whose schemes hold the URL's.
 */
export function parseProbeTarget(arg: string): ProbeTargetSpec {
  const eq = arg.indexOf('=');
  const named = eq > 0 && !arg.slice(0, eq).includes(':');
  const name = named ? arg.slice(0, eq) : undefined;
  const value = named ? arg.slice(eq + 1) : arg;
  if (value.startsWith('embedded:')) {
    const protocol = value.slice('embedded:'.length);
    const driver = driverFor(protocol);
    if (!driver?.startEmbedded)
      throw new FleetbenchError(
        ErrorCodes.TARGET_INVALID,
        `${arg}: no embedded server for "${protocol}" (embedded servers: ${allDrivers()
          .filter((d) => d.startEmbedded)
          .map((d) => `embedded:${d.name}`)
          .join(', ')})`,
      );
    return { name: name ?? `embedded-${protocol}`, url: `embedded ${protocol}`, protocol, target: undefined };
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new FleetbenchError(
      ErrorCodes.TARGET_INVALID,
      `${arg}: expected a URL (mqtt://host:port), name=url, or embedded:<protocol>`,
    );
  }
  const scheme = url.protocol.slice(0, -1);
  const driver = allDrivers().find((d) => d.schemes.includes(scheme));
  if (!driver)
    throw new FleetbenchError(
      ErrorCodes.TARGET_INVALID,
      `${arg}: no protocol speaks ${scheme}:// (schemes: ${allDrivers()
        .flatMap((d) => d.schemes)
        .join(', ')})`,
    );
  const problem = checkTargetUrl(value, driver.schemes);
  if (problem) throw new FleetbenchError(ErrorCodes.TARGET_INVALID, `${arg}: ${problem}`);
  return { name: name ?? url.host, url: maskUrl(value), protocol: driver.name, target: value };
}

export interface ProbeRunOptions {
  targets: readonly ProbeTargetSpec[];
  probes: readonly ProbeFile[];
  /** Run only rows whose id contains one of these. */
  only?: readonly string[];
  /** Probe runs at a time (default 4). */
  parallel?: number;
  /** The load rows' devices and seconds; null skips them. */
  load?: { devices: number; durationS: number } | null;
  signal?: AbortSignal;
  onCell?: (row: MatrixRow, target: MatrixTarget, cell: MatrixCell) => void;
}

interface Job {
  row: MatrixRow;
  target: ProbeTargetSpec;
  file: string;
  /** The probe, with its variant's notOffered signs added to its own. */
  probe: ProbeFile['probe'];
  env: Record<string, string>;
}

export async function runProbes(options: ProbeRunOptions): Promise<ProbeMatrix> {
  const startedAt = new Date().toISOString();
  const rows: MatrixRow[] = [];
  const jobs: Job[] = [];
  const load = options.load === undefined ? DEFAULT_LOAD : options.load;
  for (const p of options.probes) {
    const variants: ProbeVariant[] = p.probe.variants?.length ? p.probe.variants : [{ label: '', env: {} }];
    for (const v of variants) {
      const row: MatrixRow = {
        id: v.label ? `${p.id}@${v.label}` : p.id,
        behaviour: p.probe.behaviour,
        variant: v.label || null,
        protocol: p.probe.protocol,
        spec: p.probe.spec ?? null,
        section: p.probe.section ?? null,
        load: p.probe.load === true,
        file: p.file,
      };
      if (options.only?.length && !options.only.some((o) => row.id.includes(o))) continue;
      if (row.load && load === null) continue;
      const targets = options.targets.filter((t) => t.protocol === row.protocol);
      if (targets.length === 0) continue;
      rows.push(row);
      const env = { ...(v.env ?? {}) };
      if (row.load && load)
        Object.assign(env, { PROBE_DEVICES: String(load.devices), PROBE_DURATION: `${load.durationS}s` });
      const probe = { ...p.probe, notOffered: [...(v.notOffered ?? []), ...(p.probe.notOffered ?? [])] };
      for (const target of targets) jobs.push({ row, target, file: p.file, probe, env });
    }
  }
  const cells: ProbeMatrix['cells'] = {};
  const loadResults: ProbeMatrix['loadResults'] = {};
  const record = (job: Job, cell: MatrixCell, result: RunResult | undefined): void => {
    cells[job.row.id] = { ...cells[job.row.id], [job.target.name]: cell };
    if (job.row.load && result) loadResults[job.row.id] = { ...loadResults[job.row.id], [job.target.name]: result };
    options.onCell?.(job.row, publicTarget(job.target), cell);
  };
  // A probe whose generator fell behind (the machine was busy, not the target slow) measured
  // this machine: it runs again once, alone, after the others.
  const again: Job[] = [];
  await pool(
    jobs.filter((j) => !j.row.load),
    options.parallel ?? 4,
    options.signal,
    async (job) => {
      const { cell, result } = await runOne(job, options.signal);
      // A run cut short by the stop measured nothing about the behaviour: its row stays empty.
      if (options.signal?.aborted) return;
      if (result && saturated(result)) again.push(job);
      else record(job, cell, result);
    },
  );
  await pool(again, 1, options.signal, async (job) => {
    const { cell, result } = await runOne(job, options.signal);
    if (!options.signal?.aborted) record(job, cell, result);
  });
  await pool(
    jobs.filter((j) => j.row.load),
    1,
    options.signal,
    async (job) => {
      const { cell, result } = await runOne(job, options.signal);
      if (options.signal?.aborted) return;
      record(job, result && cell.status !== 'error' ? { ...cell, load: loadFigures(result) } : cell, result);
    },
  );
  return {
    schema: PROBE_SCHEMA,
    fleetbench: version,
    startedAt,
    endedAt: new Date().toISOString(),
    partial: options.signal?.aborted === true,
    targets: options.targets.map(publicTarget),
    rows,
    cells,
    loadResults,
  };
}

/** The run's generator could not keep its schedule (the default health check generator_saturated). */
const saturated = (r: RunResult): boolean =>
  (r.health ?? []).some((h) => h.name === 'generator_saturated' && !h.passed);

/** The fixed load of the performance baseline: 1,000 devices for 20 s. */
export const DEFAULT_LOAD = { devices: 1000, durationS: 20 } as const;

const publicTarget = (t: ProbeTargetSpec): MatrixTarget => ({ name: t.name, url: t.url, protocol: t.protocol });

async function runOne(job: Job, signal: AbortSignal | undefined): Promise<{ cell: MatrixCell; result?: RunResult }> {
  const started = performance.now();
  let outcome: RunOutcome;
  try {
    const { result } = await runScenario({
      scenario: job.file,
      targets: job.target.target === undefined ? {} : { [job.target.protocol]: job.target.target },
      env: job.env,
      workers: 1,
      ...(signal ? { signal } : {}),
    });
    outcome = { result };
  } catch (error) {
    outcome = { error };
  }
  const cell = judge(job.probe, outcome, Math.round(performance.now() - started));
  return 'result' in outcome ? { cell, result: outcome.result } : { cell };
}

/** Runs `work` over `items`, `size` at a time; items not started when `signal` aborts are skipped. */
async function pool<T>(
  items: readonly T[],
  size: number,
  signal: AbortSignal | undefined,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length && !signal?.aborted) {
      const item = items[next++] as T;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(size, items.length)) }, lane));
}

/**
 * Throughput and latency percentiles of a load row's run: messages received per second by the
 * receivers (the run's own rate over its send phase), else acknowledged per second by the
 * senders; end-to-end latency when there is a delivery, else ack latency.
 */
export function loadFigures(result: RunResult): LoadFigures {
  const durationS = result.run.durationMs / 1000;
  const groups = Object.values(result.fleets);
  const senders = groups.filter((f) => f.kind === 'fleet');
  const devices = senders.reduce((n, f) => n + f.count, 0);
  const delivery = result.delivery.find((d) => d.latency.corrected.count > 0);
  if (delivery) {
    const receivers = new Set(result.delivery.map((d) => d.to));
    const received = groups.filter((_, i) => receivers.has(Object.keys(result.fleets)[i] ?? ''));
    const l = delivery.latency.corrected;
    return {
      devices,
      durationS,
      throughputPerS: round(received.reduce((n, f) => n + f.rates.receivedPerS, 0)),
      latencyOf: 'delivery',
      p50Us: l.p50,
      p99Us: l.p99,
      p999Us: l.p999,
    };
  }
  const ackedPerS = senders.reduce(
    (n, f) => n + (f.messages.sent > 0 ? (f.rates.sentPerS * f.messages.acked) / f.messages.sent : 0),
    0,
  );
  const ack = senders.find((f) => (f.latency.ack?.corrected.count ?? 0) > 0)?.latency.ack?.corrected;
  return {
    devices,
    durationS,
    throughputPerS: round(ackedPerS),
    latencyOf: ack ? 'ack' : null,
    p50Us: ack?.p50 ?? null,
    p99Us: ack?.p99 ?? null,
    p999Us: ack?.p999 ?? null,
  };
}

const round = (n: number): number => Math.round(n * 100) / 100;

/** `--load 1000x20s` (devices × duration) or `off`. */
export function parseLoad(text: string | undefined): { devices: number; durationS: number } | null {
  if (text === undefined) return { ...DEFAULT_LOAD };
  if (text === 'off') return null;
  const m = /^(\d+)x(\d+)s$/.exec(text.trim());
  const devices = Number(m?.[1]);
  const durationS = Number(m?.[2]);
  if (!m || devices < 1 || durationS < 1)
    throw new FleetbenchError(
      ErrorCodes.OPTION_INVALID,
      `--load ${text}: expected <devices>x<seconds>s, e.g. 1000x20s, or off`,
    );
  return { devices, durationS };
}
