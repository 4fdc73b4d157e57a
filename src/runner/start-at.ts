// --start-at and --run-id: what makes separate processes one run. Every shard is given the same
// run id (topics and stamp keys derive from it) and the same wall-clock instant to start sending.
import { ErrorCodes, FleetbenchError } from '../base/errors.ts';

/** A start further ahead than this is a mistake (a wrong date or unit), not a plan. */
export const MAX_AHEAD_MS = 6 * 3_600_000;
/**
 * A start this far in the past is refused; a nearer one means "now": a pod scheduled late (an
 * image pulled, a node scaled up) starts as soon as it is connected and records how late it was.
 */
export const MAX_BEHIND_MS = 10 * 60_000;
/** Run ids: a topic segment and a file-name part everywhere, so short and plain. */
const RUN_ID = /^[a-z0-9][a-z0-9-]{0,31}$/;

/** --run-id: lowercase letters, digits and '-', 1 to 32 characters. */
export function checkRunId(value: string): string {
  if (!RUN_ID.test(value))
    throw new FleetbenchError(
      ErrorCodes.OPTION_INVALID,
      `--run-id: expected 1 to 32 characters of a-z, 0-9 and '-' (not first), e.g. bench-42, got ${JSON.stringify(value)}`,
    );
  return value;
}

/** --start-at: an ISO-8601 date-time with a zone (2026-12-06T04:00:00Z) or epoch milliseconds; returns epoch ms. */
export function parseStartAt(value: string): number {
  const text = value.trim();
  let ms = Number.NaN;
  if (/^\d{9,11}$/.test(text))
    throw new FleetbenchError(
      ErrorCodes.OPTION_INVALID,
      `--start-at ${text}: epoch seconds? give epoch milliseconds (${text}000) or an ISO-8601 time`,
    );
  if (/^\d{12,16}$/.test(text)) ms = Number(text);
  // A date-time without a zone would be read in the local zone of each machine: refused.
  else if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(text)) ms = Date.parse(text);
  if (!Number.isFinite(ms))
    throw new FleetbenchError(
      ErrorCodes.OPTION_INVALID,
      `--start-at: expected an ISO-8601 time with its zone (e.g. 2026-12-06T04:00:00Z) or epoch milliseconds, got ${JSON.stringify(value)}`,
    );
  return ms;
}

/** Refuses a start too far ahead or too far behind `nowMs` (both wall clock). */
export function checkStartAt(atMs: number, nowMs: number): void {
  const when = new Date(atMs).toISOString();
  if (atMs - nowMs > MAX_AHEAD_MS)
    throw new FleetbenchError(
      ErrorCodes.OPTION_INVALID,
      `--start-at ${when} is ${formatSpan(atMs - nowMs)} ahead: more than ${MAX_AHEAD_MS / 3_600_000} h (a wrong date or seconds for milliseconds?)`,
    );
  if (nowMs - atMs > MAX_BEHIND_MS)
    throw new FleetbenchError(
      ErrorCodes.OPTION_INVALID,
      `--start-at ${when} was ${formatSpan(nowMs - atMs)} ago: more than ${MAX_BEHIND_MS / 60_000} min in the past; give every shard a new start time`,
    );
}

function formatSpan(ms: number): string {
  return ms >= 3_600_000 ? `${(ms / 3_600_000).toFixed(1)} h` : `${Math.round(ms / 1000)} s`;
}
