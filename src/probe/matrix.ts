// The probe matrix: one row per behaviour (and variant), one column per target, a cell where the
// row's protocol is the target's. Written as probe.json (schema fleetbench.probe/1), read back
// by --baseline.
import { readFileSync } from 'node:fs';
import { ErrorCodes, FleetbenchError } from '../base/errors.ts';
import type { RunResult } from '../result/types.ts';
import type { Cell } from './verdict.ts';

export const PROBE_SCHEMA = 'fleetbench.probe/1';

export interface MatrixRow {
  /** Probe id and variant: 'mqtt/retained@5.0'. Stable across runs: --baseline matches on it. */
  id: string;
  behaviour: string;
  variant: string | null;
  protocol: string;
  spec: string | null;
  section: string | null;
  /** The performance baseline (define.ts `load`). */
  load: boolean;
  /** The probe file, for people who want to read what it does. */
  file: string;
}

export interface MatrixTarget {
  /** The column's name ('mosquitto', or host:port when none was given). --baseline matches on it. */
  name: string;
  /** The URL, password masked, or 'embedded <protocol>'. */
  url: string;
  protocol: string;
}

/** A load row's figures: messages per second and latency percentiles (µs). */
export interface LoadFigures {
  devices: number;
  durationS: number;
  throughputPerS: number;
  /** Which latency: end-to-end delivery when the load has a receiver, else ack. */
  latencyOf: 'delivery' | 'ack' | null;
  p50Us: number | null;
  p99Us: number | null;
  p999Us: number | null;
}

export interface MatrixCell extends Cell {
  load?: LoadFigures;
}

export interface ProbeMatrix {
  schema: typeof PROBE_SCHEMA;
  fleetbench: string;
  startedAt: string;
  endedAt: string;
  /** Stopped early (Ctrl-C): the rows not run have no cells. */
  partial: boolean;
  targets: MatrixTarget[];
  rows: MatrixRow[];
  /** cells[rowId][targetName]; absent where the row's protocol is not the target's. */
  cells: Record<string, Record<string, MatrixCell>>;
  /** The load rows' whole results, for comparing with a baseline's (fleetbench compare's rules). */
  loadResults: Record<string, Record<string, RunResult>>;
}

/** Reads a probe.json written by an earlier run (--baseline). */
export function readMatrix(path: string): ProbeMatrix {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new FleetbenchError(
      ErrorCodes.RESULT_INVALID,
      `${path}: cannot read the baseline: ${(err as Error).message}`,
    );
  }
  const m = value as Partial<ProbeMatrix> | null;
  if (!m || m.schema !== PROBE_SCHEMA)
    throw new FleetbenchError(
      ErrorCodes.RESULT_INVALID,
      `${path}: not a probe matrix (expected schema "${PROBE_SCHEMA}", got ${JSON.stringify(m?.schema ?? null)}); give the probe.json of an earlier 'fleetbench probe'`,
    );
  if (!Array.isArray(m.rows) || !Array.isArray(m.targets) || typeof m.cells !== 'object' || m.cells === null)
    throw new FleetbenchError(ErrorCodes.RESULT_INVALID, `${path}: probe matrix without rows, targets or cells`);
  return { loadResults: {}, ...m } as ProbeMatrix;
}
