// Connect pacing: every connect has an intended time, t0 + slot / rate, where `slot` is its
// place in the connect order of the whole process (all workers; devices of a fleet alternate
// between workers as ownedIndices deals them), so the workers together keep the requested rate
// exactly whatever their share. A worker starts every connect whose intended time has passed
// (catch-up, like the send loop), sleeps until the next one, and never waits for a connect to
// finish: a slow connect or a late timer does not move the ones after it.
import type { GroupPlan } from '../dsl/plan.ts';
import { nowUs, sleep } from '../metrics/clock.ts';
import type { ConnectPace } from '../result/types.ts';

/**
 * The process-wide connect slot of each of this worker's devices, in the worker's device order
 * (groups in `groups` order, then device index). `connects(g)` says whether the group's devices
 * connect in this phase.
 */
export function connectSlots(
  groups: readonly GroupPlan[],
  shard: { index: number; count: number },
  worker: number,
  workers: number,
  connects: (g: GroupPlan) => boolean,
): number[] {
  const slots: number[] = [];
  let slot = 0;
  for (const g of groups) {
    if (!connects(g)) continue;
    for (let i = shard.index; i < g.count; i += shard.count) {
      if (Math.floor(i / shard.count) % workers === worker) slots.push(slot);
      slot++;
    }
  }
  return slots;
}

/** Intended start time (µs) of each slot, from `t0Us` at `ratePerS` for the process. */
export function intendedTimes(slots: readonly number[], t0Us: number, ratePerS: number): number[] {
  const gapUs = 1e6 / ratePerS;
  return slots.map((s) => t0Us + s * gapUs);
}

/** When this worker's connects actually started: for the achieved rate. */
export interface ConnectStarts {
  count: number;
  firstUs: number;
  lastUs: number;
}

export function emptyStarts(): ConnectStarts {
  return { count: 0, firstUs: 0, lastUs: 0 };
}

export interface PaceClock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

const realClock: PaceClock = { now: nowUs, sleep };

/**
 * Calls `start(i)` for each i at `atUs[i]` (ascending), all the overdue ones at once; stops
 * starting at `signal`. Returns what `start` returned, for the connects started.
 */
export async function paceConnects<T>(
  atUs: readonly number[],
  start: (i: number) => T,
  signal: AbortSignal,
  starts: ConnectStarts,
  clock: PaceClock = realClock,
): Promise<T[]> {
  const out: T[] = [];
  let i = 0;
  while (i < atUs.length && !signal.aborted) {
    const now = clock.now();
    const due = atUs[i] as number;
    if (due > now) {
      await clock.sleep((due - now) / 1000, signal);
      continue;
    }
    for (; i < atUs.length && (atUs[i] as number) <= now && !signal.aborted; i++) {
      const t = clock.now();
      if (starts.count++ === 0) starts.firstUs = t;
      starts.lastUs = t;
      out.push(start(i));
    }
  }
  return out;
}

/** The connect rate the workers achieved together, from their start times (undefined under two connects). */
export function achievedPace(
  all: readonly (ConnectStarts | undefined)[],
  requestedPerS: number,
): ConnectPace | undefined {
  const used = all.filter((s): s is ConnectStarts => s !== undefined && s.count > 0);
  const connects = used.reduce((n, s) => n + s.count, 0);
  if (connects < 2) return undefined;
  const first = Math.min(...used.map((s) => s.firstUs));
  const last = Math.max(...used.map((s) => s.lastUs));
  const spanUs = last - first;
  return {
    requestedPerS,
    achievedPerS: spanUs > 0 ? Math.round(((connects - 1) * 1e6) / spanUs) : requestedPerS,
    connects,
    spanMs: Math.round(spanUs / 1000),
  };
}
