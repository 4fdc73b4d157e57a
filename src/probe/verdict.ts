// Reading one probe run: ✓ when every threshold of the probe's scenario and every default health
// check passed; ✗ with what was seen otherwise; "n/a" when the peer said it does not offer the
// feature (a `notOffered` sign in the run's codes or errors, or in the refusal that stopped the
// run); "error" when the probe could not be run at all (the target unreachable, the probe file
// broken): that says nothing about the behaviour.
import { ErrorCodes, errorMessage, isFleetbenchError } from '../base/errors.ts';
import type { RunResult } from '../result/types.ts';
import { matches, type NotOffered, type Probe } from './define.ts';

export type CellStatus = 'pass' | 'fail' | 'na' | 'error';

export interface Cell {
  status: CellStatus;
  /** ✗: what was seen; n/a: why; ✓: what held; error: why the probe could not run. */
  seen: string;
  /** The probe's latency figure, µs: the median delivery, else ack, else connect latency. */
  latencyUs: number | null;
  /** Which latency that is: 'delivery', 'ack' or 'connect'. */
  latencyOf: 'delivery' | 'ack' | 'connect' | null;
  elapsedMs: number;
}

export type RunOutcome = { result: RunResult } | { error: unknown };

/** Socket-level reasons: the target could not be reached, which says nothing about a behaviour. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT']);

export function judge(probe: Probe, outcome: RunOutcome, elapsedMs: number): Cell {
  const cell =
    'error' in outcome ? judgeError(probe, outcome.error, elapsedMs) : judgeResult(probe, outcome.result, elapsedMs);
  // One line: a scenario error lists its problems on lines of their own.
  return { ...cell, seen: cell.seen.replace(/\s*\n\s*(- )?/g, ' ').trim() };
}

function judgeResult(probe: Probe, result: RunResult, elapsedMs: number): Cell {
  const latency = latencyFigure(result);
  const cell = (status: CellStatus, seen: string): Cell => ({ status, seen, ...latency, elapsedMs });
  const signs = signsOf(result);
  const notOffered = firstNotOffered(probe.notOffered, signs);
  if (notOffered) return cell('na', notOffered.because);
  if (probe.expectRefusal !== undefined) return cell('fail', 'accepted: the run was not refused');
  const failed = [
    ...(result.thresholds ?? []).filter((t) => !t.passed).map((t) => `${t.key}: ${t.message}`),
    ...(result.health ?? []).filter((h) => !h.passed).map((h) => `${h.name}: ${h.message}`),
  ];
  if (result.run.partial && failed.length === 0)
    failed.push(`the run was cut short: ${result.run.partialReason ?? ''}`);
  if (failed.length > 0) {
    // The errors the run counted name what the peer did (a violation, a refusal), beside the
    // thresholds that caught it.
    const errors = result.errors.slice(0, 3).map((e) => `${e.code} ×${e.count}: ${e.message}`);
    return cell('fail', [...failed, ...(errors.length > 0 ? [`errors: ${errors.join('; ')}`] : [])].join('; '));
  }
  const held = (result.thresholds ?? []).map((t) => `${t.key}: ${t.expression} (${t.actualText})`);
  return cell('pass', held.length > 0 ? held.join('; ') : 'completed with every health check passed');
}

function judgeError(probe: Probe, error: unknown, elapsedMs: number): Cell {
  const message = errorMessage(error);
  const reason = isFleetbenchError(error) && error.reasonCode !== undefined ? String(error.reasonCode) : '';
  const base = { latencyUs: null, latencyOf: null, elapsedMs };
  const signs = [reason, message].filter((s) => s !== '');
  const notOffered = firstNotOffered(probe.notOffered, signs);
  if (notOffered) return { status: 'na', seen: notOffered.because, ...base };
  const refused = isFleetbenchError(error) && error.code === ErrorCodes.CONNECT_REJECTED;
  if (probe.expectRefusal !== undefined && signs.some((s) => matches(probe.expectRefusal as string | RegExp, s)))
    return { status: 'pass', seen: `refused: ${message}`, ...base };
  if (refused) return { status: 'fail', seen: `refused: ${message}`, ...base };
  if (isFleetbenchError(error) && UNREACHABLE.has(reason))
    return { status: 'error', seen: `target unreachable: ${message}`, ...base };
  if (isFleetbenchError(error) && error.code === ErrorCodes.CONNECT_REFUSED)
    return { status: 'fail', seen: message, ...base };
  return { status: 'error', seen: `could not run: ${message}`, ...base };
}

/** Everything a `notOffered` sign is matched against: code keys, error codes and messages. */
function signsOf(result: RunResult): string[] {
  return [
    ...Object.keys(result.codes).filter((k) => (result.codes[k] ?? 0) > 0),
    ...result.errors.map((e) => `${e.code}: ${e.message}`),
    ...result.warnings,
  ];
}

function firstNotOffered(list: readonly NotOffered[] | undefined, signs: readonly string[]): NotOffered | undefined {
  return list?.find((n) => signs.some((s) => matches(n.when, s)));
}

/** The median of the first latency the run measured: delivery (end to end), ack, connect. */
function latencyFigure(result: RunResult): Pick<Cell, 'latencyUs' | 'latencyOf'> {
  const delivery = result.delivery.find((d) => d.latency.corrected.count > 0);
  if (delivery) return { latencyUs: delivery.latency.corrected.p50, latencyOf: 'delivery' };
  const fleets = Object.values(result.fleets);
  const ack = fleets.find((f) => (f.latency.ack?.corrected.count ?? 0) > 0);
  if (ack?.latency.ack) return { latencyUs: ack.latency.ack.corrected.p50, latencyOf: 'ack' };
  const connect = fleets.find((f) => (f.latency.connect?.count ?? 0) > 0);
  if (connect?.latency.connect) return { latencyUs: connect.latency.connect.p50, latencyOf: 'connect' };
  return { latencyUs: null, latencyOf: null };
}
